//! Ephemeral resources (Terraform >= 1.10): values that live for one Terraform walk and never
//! reach state or a plan file. Each is an
//! [`EphemeralResource`](tfplugin::framework::EphemeralResource); what they still hold open when
//! the process stops is released by [`OpenKeys::close_all`] from the provider's shutdown hook.

use crate::provider::Call;
use tfplugin::framework::{ephemeral, EphemeralHandler};

pub mod api_key;
mod open_keys;
mod retry;

pub use open_keys::{OpenKey, OpenKeys};

/// Every ephemeral API key's description carries this, so that leftovers (a provider killed
/// before Close) can be found and cleaned up: the key list resource filters on it.
pub const EPHEMERAL_MARKER: &str = "[terraform-ephemeral]";

/// Every ephemeral resource the provider serves.
pub fn all() -> Vec<Box<dyn EphemeralHandler<Call>>> {
    vec![ephemeral(api_key::EphemeralApiKey)]
}
