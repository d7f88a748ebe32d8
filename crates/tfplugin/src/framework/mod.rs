//! The framework layer between the protocol and a provider's resources, in the manner of
//! terraform-plugin-framework: typed models ([`model`]), declarative plan rules and validators
//! applied by one [`planner`] and one [`validator`], CRUD traits with adapters that make the
//! protocol answers ([`resource`]), and a provider composed by kind ([`server`]).

pub mod ephemeral;
pub mod identity;
pub mod list;
pub mod model;
pub mod planner;
pub mod resource;
pub mod server;
pub mod validator;

pub use ephemeral::{ephemeral, EphemeralHandler, EphemeralResource, Opened};
pub use identity::Identity;
pub use list::{list_resource, paged, Found, ListResource, ListResourceHandler, Results};
pub use model::{attr_from_value, attr_to_value, check_model, Attr, AttrValue, Model, ModelError};
pub use resource::{
    data_source, resource, DataSource, DataSourceHandler, Failure, Imported, Plan, Resource, ResourceHandler,
};
pub use server::{ProviderCore, Server};
