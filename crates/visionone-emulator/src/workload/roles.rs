//! The administrator roles the emulator seeds (contract §3): the two predefined ones and two
//! custom ones that tests need, one keys may not hold. Read-only: roles are not what the provider
//! manages here.

use visionone_api::workload::{ApiKeyRights, PlatformRights, Rights, Role, RoleRights};

/// A seeded role.
pub struct RoleDef {
    pub id: i64,
    pub name: &'static str,
    pub description: &'static str,
    pub immutable: bool,
    pub allow_user_interface: bool,
    /// Whether the role may call the web service API, and so be held by a key.
    pub allow_web_service: bool,
    pub keys: ApiKeyRights,
    pub view_roles: bool,
}

const ALL_KEYS: ApiKeyRights = ApiKeyRights {
    can_view_api_keys: true,
    can_create_new_api_keys: true,
    can_edit_api_key_properties: true,
    can_delete_api_keys: true,
};

const NO_KEYS: ApiKeyRights = ApiKeyRights {
    can_view_api_keys: false,
    can_create_new_api_keys: false,
    can_edit_api_key_properties: false,
    can_delete_api_keys: false,
};

/// Every role, by id. Full Access and Auditor are predefined [doc]; their ids are Trend's examples'.
pub const ROLES: &[RoleDef] = &[
    RoleDef {
        id: 1,
        name: "Full Access",
        description: "Full access to every part of the manager",
        immutable: true,
        allow_user_interface: true,
        allow_web_service: true,
        keys: ALL_KEYS,
        view_roles: true,
    },
    RoleDef {
        id: 2,
        name: "Auditor",
        description: "View everything, change nothing",
        immutable: true,
        allow_user_interface: true,
        allow_web_service: true,
        keys: ApiKeyRights {
            can_view_api_keys: true,
            ..NO_KEYS
        },
        view_roles: true,
    },
    RoleDef {
        id: 3,
        name: "Key Manager",
        description: "View, create, edit and delete API keys",
        immutable: false,
        allow_user_interface: false,
        allow_web_service: true,
        keys: ALL_KEYS,
        view_roles: true,
    },
    RoleDef {
        id: 4,
        name: "Console Only",
        description: "Signs in to the console; may not call the API",
        immutable: false,
        allow_user_interface: true,
        allow_web_service: false,
        keys: NO_KEYS,
        view_roles: false,
    },
];

/// The Full Access role: what the admin token and a signed-in administrator hold.
pub const FULL_ACCESS: i64 = 1;

pub fn get(id: i64) -> Option<&'static RoleDef> {
    ROLES.iter().find(|r| r.id == id)
}

impl RoleDef {
    /// The role as the API answers it.
    pub fn view(&self) -> Role {
        Role {
            id: Some(self.id),
            name: Some(self.name.to_string()),
            description: Some(self.description.to_string()),
            urn: Some(format!(
                "urn:tmds:identity:emulator:0:role/{}",
                self.name.replace(' ', "")
            )),
            immutable: Some(self.immutable),
            all_computers: Some(true),
            all_policies: Some(true),
            allow_user_interface: Some(self.allow_user_interface),
            allow_web_service: Some(self.allow_web_service),
            rights: Some(Rights {
                platform_rights: Some(PlatformRights {
                    apikey_rights: Some(self.keys),
                    administrator_role_rights: Some(RoleRights {
                        can_view_administrator_roles: self.view_roles,
                        ..RoleRights::default()
                    }),
                }),
            }),
        }
    }
}
