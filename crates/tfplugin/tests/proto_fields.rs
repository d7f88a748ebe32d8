//! Pins `proto/tfplugin6.proto` to the wire of plugin protocol 6.10: every message's field
//! numbers, the enums, the RPCs, and the few field types that matter on the wire, against a
//! table written from the protocol facts (`/work/shared/plugin-protocol-modern.md`). A field that
//! is added, renumbered or dropped fails here, in both directions. The last test checks that a
//! running provider answers the RPCs it does not implement yet with UNIMPLEMENTED, which is
//! what Terraform tolerates (doc §5).

mod common;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorProto};
use std::collections::BTreeMap;

/// Message path (nested with `.`) → its fields `(name, number)`, as the protocol defines them.
/// 6.0–6.4 as before; then 6.5 functions and MoveResourceState, 6.6 ClientCapabilities and
/// Deferred, 6.7 ephemeral resources, 6.8 write-only, 6.9 identity, 6.10 list resources,
/// GenerateResourceConfig, actions and deprecation messages.
const MESSAGES: &[(&str, &[(&str, i32)])] = &[
    ("DynamicValue", &[("msgpack", 1), ("json", 2)]),
    (
        "Diagnostic",
        &[("severity", 1), ("summary", 2), ("detail", 3), ("attribute", 4)],
    ),
    ("AttributePath", &[("steps", 1)]),
    (
        "AttributePath.Step",
        &[("attribute_name", 1), ("element_key_string", 2), ("element_key_int", 3)],
    ),
    ("StopProvider", &[]),
    ("StopProvider.Request", &[]),
    ("StopProvider.Response", &[("Error", 1)]),
    ("RawState", &[("json", 1), ("flatmap", 2)]),
    ("Schema", &[("version", 1), ("block", 2)]),
    (
        "Schema.Block",
        &[
            ("version", 1),
            ("attributes", 2),
            ("block_types", 3),
            ("description", 4),
            ("description_kind", 5),
            ("deprecated", 6),
            ("deprecation_message", 7),
        ],
    ),
    (
        "Schema.Attribute",
        &[
            ("name", 1),
            ("type", 2),
            ("description", 3),
            ("required", 4),
            ("optional", 5),
            ("computed", 6),
            ("sensitive", 7),
            ("description_kind", 8),
            ("deprecated", 9),
            ("nested_type", 10),
            ("write_only", 11),
            ("deprecation_message", 12),
        ],
    ),
    (
        "Schema.NestedBlock",
        &[
            ("type_name", 1),
            ("block", 2),
            ("nesting", 3),
            ("min_items", 4),
            ("max_items", 5),
        ],
    ),
    (
        "Schema.Object",
        &[("attributes", 1), ("nesting", 3), ("min_items", 4), ("max_items", 5)],
    ),
    ("ResourceIdentitySchema", &[("version", 1), ("identity_attributes", 2)]),
    (
        "ResourceIdentitySchema.IdentityAttribute",
        &[
            ("name", 1),
            ("type", 2),
            ("required_for_import", 3),
            ("optional_for_import", 4),
            ("description", 5),
        ],
    ),
    ("ResourceIdentityData", &[("identity_data", 1)]),
    ("ActionSchema", &[("schema", 1)]),
    (
        "Function",
        &[
            ("parameters", 1),
            ("variadic_parameter", 2),
            ("return", 3),
            ("summary", 4),
            ("description", 5),
            ("description_kind", 6),
            ("deprecation_message", 7),
        ],
    ),
    (
        "Function.Parameter",
        &[
            ("name", 1),
            ("type", 2),
            ("allow_null_value", 3),
            ("allow_unknown_values", 4),
            ("description", 5),
            ("description_kind", 6),
        ],
    ),
    ("Function.Return", &[("type", 1)]),
    ("FunctionError", &[("text", 1), ("function_argument", 2)]),
    (
        "ServerCapabilities",
        &[
            ("plan_destroy", 1),
            ("get_provider_schema_optional", 2),
            ("move_resource_state", 3),
            ("generate_resource_config", 4),
        ],
    ),
    (
        "ClientCapabilities",
        &[("deferral_allowed", 1), ("write_only_attributes_allowed", 2)],
    ),
    ("Deferred", &[("reason", 1)]),
    ("GetMetadata", &[]),
    ("GetMetadata.Request", &[]),
    (
        "GetMetadata.Response",
        &[
            ("server_capabilities", 1),
            ("diagnostics", 2),
            ("data_sources", 3),
            ("resources", 4),
            ("functions", 5),
            ("ephemeral_resources", 6),
            ("list_resources", 7),
            ("actions", 9),
        ],
    ),
    ("GetMetadata.DataSourceMetadata", &[("type_name", 1)]),
    ("GetMetadata.ResourceMetadata", &[("type_name", 1)]),
    ("GetMetadata.FunctionMetadata", &[("name", 1)]),
    ("GetMetadata.EphemeralMetadata", &[("type_name", 1)]),
    ("GetMetadata.ListResourceMetadata", &[("type_name", 1)]),
    ("GetMetadata.ActionMetadata", &[("type_name", 1)]),
    ("GetProviderSchema", &[]),
    ("GetProviderSchema.Request", &[]),
    (
        "GetProviderSchema.Response",
        &[
            ("provider", 1),
            ("resource_schemas", 2),
            ("data_source_schemas", 3),
            ("diagnostics", 4),
            ("provider_meta", 5),
            ("server_capabilities", 6),
            ("functions", 7),
            ("ephemeral_resource_schemas", 8),
            ("list_resource_schemas", 9),
            ("action_schemas", 11),
        ],
    ),
    ("ValidateProviderConfig", &[]),
    ("ValidateProviderConfig.Request", &[("config", 1)]),
    ("ValidateProviderConfig.Response", &[("diagnostics", 2)]),
    ("UpgradeResourceState", &[]),
    (
        "UpgradeResourceState.Request",
        &[("type_name", 1), ("version", 2), ("raw_state", 3)],
    ),
    (
        "UpgradeResourceState.Response",
        &[("upgraded_state", 1), ("diagnostics", 2)],
    ),
    ("ValidateResourceConfig", &[]),
    (
        "ValidateResourceConfig.Request",
        &[("type_name", 1), ("config", 2), ("client_capabilities", 3)],
    ),
    ("ValidateResourceConfig.Response", &[("diagnostics", 1)]),
    ("ValidateDataResourceConfig", &[]),
    ("ValidateDataResourceConfig.Request", &[("type_name", 1), ("config", 2)]),
    ("ValidateDataResourceConfig.Response", &[("diagnostics", 1)]),
    ("ConfigureProvider", &[]),
    (
        "ConfigureProvider.Request",
        &[("terraform_version", 1), ("config", 2), ("client_capabilities", 3)],
    ),
    ("ConfigureProvider.Response", &[("diagnostics", 1)]),
    ("ReadResource", &[]),
    (
        "ReadResource.Request",
        &[
            ("type_name", 1),
            ("current_state", 2),
            ("private", 3),
            ("provider_meta", 4),
            ("client_capabilities", 5),
            ("current_identity", 6),
        ],
    ),
    (
        "ReadResource.Response",
        &[
            ("new_state", 1),
            ("diagnostics", 2),
            ("private", 3),
            ("deferred", 4),
            ("new_identity", 5),
        ],
    ),
    ("PlanResourceChange", &[]),
    (
        "PlanResourceChange.Request",
        &[
            ("type_name", 1),
            ("prior_state", 2),
            ("proposed_new_state", 3),
            ("config", 4),
            ("prior_private", 5),
            ("provider_meta", 6),
            ("client_capabilities", 7),
            ("prior_identity", 8),
        ],
    ),
    (
        "PlanResourceChange.Response",
        &[
            ("planned_state", 1),
            ("requires_replace", 2),
            ("planned_private", 3),
            ("diagnostics", 4),
            ("legacy_type_system", 5),
            ("deferred", 6),
            ("planned_identity", 7),
        ],
    ),
    ("ApplyResourceChange", &[]),
    (
        "ApplyResourceChange.Request",
        &[
            ("type_name", 1),
            ("prior_state", 2),
            ("planned_state", 3),
            ("config", 4),
            ("planned_private", 5),
            ("provider_meta", 6),
            ("planned_identity", 7),
        ],
    ),
    (
        "ApplyResourceChange.Response",
        &[
            ("new_state", 1),
            ("private", 2),
            ("diagnostics", 3),
            ("legacy_type_system", 4),
            ("new_identity", 5),
        ],
    ),
    ("ImportResourceState", &[]),
    (
        "ImportResourceState.Request",
        &[("type_name", 1), ("id", 2), ("client_capabilities", 3), ("identity", 4)],
    ),
    (
        "ImportResourceState.ImportedResource",
        &[("type_name", 1), ("state", 2), ("private", 3), ("identity", 4)],
    ),
    (
        "ImportResourceState.Response",
        &[("imported_resources", 1), ("diagnostics", 2), ("deferred", 3)],
    ),
    ("ReadDataSource", &[]),
    (
        "ReadDataSource.Request",
        &[
            ("type_name", 1),
            ("config", 2),
            ("provider_meta", 3),
            ("client_capabilities", 4),
        ],
    ),
    (
        "ReadDataSource.Response",
        &[("state", 1), ("diagnostics", 2), ("deferred", 3)],
    ),
    ("MoveResourceState", &[]),
    (
        "MoveResourceState.Request",
        &[
            ("source_provider_address", 1),
            ("source_type_name", 2),
            ("source_schema_version", 3),
            ("source_state", 4),
            ("target_type_name", 5),
            ("source_private", 6),
            ("source_identity", 7),
            ("source_identity_schema_version", 8),
        ],
    ),
    (
        "MoveResourceState.Response",
        &[
            ("target_state", 1),
            ("diagnostics", 2),
            ("target_private", 3),
            ("target_identity", 4),
        ],
    ),
    ("GetFunctions", &[]),
    ("GetFunctions.Request", &[]),
    ("GetFunctions.Response", &[("functions", 1), ("diagnostics", 2)]),
    ("CallFunction", &[]),
    ("CallFunction.Request", &[("name", 1), ("arguments", 2)]),
    ("CallFunction.Response", &[("result", 1), ("error", 2)]),
    ("ValidateEphemeralResourceConfig", &[]),
    (
        "ValidateEphemeralResourceConfig.Request",
        &[("type_name", 1), ("config", 2)],
    ),
    ("ValidateEphemeralResourceConfig.Response", &[("diagnostics", 1)]),
    ("OpenEphemeralResource", &[]),
    (
        "OpenEphemeralResource.Request",
        &[("type_name", 1), ("config", 2), ("client_capabilities", 3)],
    ),
    (
        "OpenEphemeralResource.Response",
        &[
            ("diagnostics", 1),
            ("renew_at", 2),
            ("result", 3),
            ("private", 4),
            ("deferred", 5),
        ],
    ),
    ("RenewEphemeralResource", &[]),
    ("RenewEphemeralResource.Request", &[("type_name", 1), ("private", 2)]),
    (
        "RenewEphemeralResource.Response",
        &[("diagnostics", 1), ("renew_at", 2), ("private", 3)],
    ),
    ("CloseEphemeralResource", &[]),
    ("CloseEphemeralResource.Request", &[("type_name", 1), ("private", 2)]),
    ("CloseEphemeralResource.Response", &[("diagnostics", 1)]),
    ("GetResourceIdentitySchemas", &[]),
    ("GetResourceIdentitySchemas.Request", &[]),
    (
        "GetResourceIdentitySchemas.Response",
        &[("identity_schemas", 1), ("diagnostics", 2)],
    ),
    ("UpgradeResourceIdentity", &[]),
    (
        "UpgradeResourceIdentity.Request",
        &[("type_name", 1), ("version", 2), ("raw_identity", 3)],
    ),
    (
        "UpgradeResourceIdentity.Response",
        &[("upgraded_identity", 1), ("diagnostics", 2)],
    ),
    ("ListResource", &[]),
    (
        "ListResource.Request",
        &[
            ("type_name", 1),
            ("config", 2),
            ("include_resource_object", 3),
            ("limit", 4),
        ],
    ),
    (
        "ListResource.Event",
        &[
            ("identity", 1),
            ("display_name", 2),
            ("resource_object", 3),
            ("diagnostic", 4),
        ],
    ),
    ("ValidateListResourceConfig", &[]),
    (
        "ValidateListResourceConfig.Request",
        &[
            ("type_name", 1),
            ("config", 2),
            ("include_resource_object", 3),
            ("limit", 4),
        ],
    ),
    ("ValidateListResourceConfig.Response", &[("diagnostics", 1)]),
    ("GenerateResourceConfig", &[]),
    ("GenerateResourceConfig.Request", &[("type_name", 1), ("state", 2)]),
    ("GenerateResourceConfig.Response", &[("config", 1), ("diagnostics", 2)]),
    ("ValidateActionConfig", &[]),
    ("ValidateActionConfig.Request", &[("type_name", 1), ("config", 2)]),
    ("ValidateActionConfig.Response", &[("diagnostics", 1)]),
    ("PlanAction", &[]),
    (
        "PlanAction.Request",
        &[("action_type", 1), ("config", 2), ("client_capabilities", 3)],
    ),
    ("PlanAction.Response", &[("diagnostics", 1), ("deferred", 2)]),
    ("InvokeAction", &[]),
    (
        "InvokeAction.Request",
        &[("action_type", 1), ("config", 2), ("client_capabilities", 3)],
    ),
    ("InvokeAction.Event", &[("progress", 1), ("completed", 2)]),
    ("InvokeAction.Event.Progress", &[("message", 1)]),
    ("InvokeAction.Event.Completed", &[("diagnostics", 1)]),
];

/// Field numbers the protocol uses for state stores, which our proto leaves out but reserves.
const RESERVED: &[(&str, i32)] = &[("GetMetadata.Response", 8), ("GetProviderSchema.Response", 10)];

/// Enum path → `(value name, number)`.
const ENUMS: &[(&str, &[(&str, i32)])] = &[
    ("StringKind", &[("PLAIN", 0), ("MARKDOWN", 1)]),
    ("Diagnostic.Severity", &[("INVALID", 0), ("ERROR", 1), ("WARNING", 2)]),
    (
        "Schema.NestedBlock.NestingMode",
        &[
            ("INVALID", 0),
            ("SINGLE", 1),
            ("LIST", 2),
            ("SET", 3),
            ("MAP", 4),
            ("GROUP", 5),
        ],
    ),
    (
        "Schema.Object.NestingMode",
        &[("INVALID", 0), ("SINGLE", 1), ("LIST", 2), ("SET", 3), ("MAP", 4)],
    ),
    (
        "Deferred.Reason",
        &[
            ("UNKNOWN", 0),
            ("RESOURCE_CONFIG_UNKNOWN", 1),
            ("PROVIDER_CONFIG_UNKNOWN", 2),
            ("ABSENT_PREREQ", 3),
        ],
    ),
];

/// `(rpc, request, response, server streaming)`: the 6.0 set with GetMetadata (6.4), then
/// 6.5, 6.7, 6.9 and 6.10 without the state stores (6.10 has 36 RPCs, 8 of them state stores).
const RPCS: &[(&str, &str, &str, bool)] = &[
    ("GetMetadata", "GetMetadata.Request", "GetMetadata.Response", false),
    (
        "GetProviderSchema",
        "GetProviderSchema.Request",
        "GetProviderSchema.Response",
        false,
    ),
    (
        "ValidateProviderConfig",
        "ValidateProviderConfig.Request",
        "ValidateProviderConfig.Response",
        false,
    ),
    (
        "ValidateResourceConfig",
        "ValidateResourceConfig.Request",
        "ValidateResourceConfig.Response",
        false,
    ),
    (
        "ValidateDataResourceConfig",
        "ValidateDataResourceConfig.Request",
        "ValidateDataResourceConfig.Response",
        false,
    ),
    (
        "UpgradeResourceState",
        "UpgradeResourceState.Request",
        "UpgradeResourceState.Response",
        false,
    ),
    (
        "ConfigureProvider",
        "ConfigureProvider.Request",
        "ConfigureProvider.Response",
        false,
    ),
    ("ReadResource", "ReadResource.Request", "ReadResource.Response", false),
    (
        "PlanResourceChange",
        "PlanResourceChange.Request",
        "PlanResourceChange.Response",
        false,
    ),
    (
        "ApplyResourceChange",
        "ApplyResourceChange.Request",
        "ApplyResourceChange.Response",
        false,
    ),
    (
        "ImportResourceState",
        "ImportResourceState.Request",
        "ImportResourceState.Response",
        false,
    ),
    (
        "ReadDataSource",
        "ReadDataSource.Request",
        "ReadDataSource.Response",
        false,
    ),
    (
        "MoveResourceState",
        "MoveResourceState.Request",
        "MoveResourceState.Response",
        false,
    ),
    ("GetFunctions", "GetFunctions.Request", "GetFunctions.Response", false),
    ("CallFunction", "CallFunction.Request", "CallFunction.Response", false),
    (
        "ValidateEphemeralResourceConfig",
        "ValidateEphemeralResourceConfig.Request",
        "ValidateEphemeralResourceConfig.Response",
        false,
    ),
    (
        "OpenEphemeralResource",
        "OpenEphemeralResource.Request",
        "OpenEphemeralResource.Response",
        false,
    ),
    (
        "RenewEphemeralResource",
        "RenewEphemeralResource.Request",
        "RenewEphemeralResource.Response",
        false,
    ),
    (
        "CloseEphemeralResource",
        "CloseEphemeralResource.Request",
        "CloseEphemeralResource.Response",
        false,
    ),
    (
        "GetResourceIdentitySchemas",
        "GetResourceIdentitySchemas.Request",
        "GetResourceIdentitySchemas.Response",
        false,
    ),
    (
        "UpgradeResourceIdentity",
        "UpgradeResourceIdentity.Request",
        "UpgradeResourceIdentity.Response",
        false,
    ),
    ("ListResource", "ListResource.Request", "ListResource.Event", true),
    (
        "ValidateListResourceConfig",
        "ValidateListResourceConfig.Request",
        "ValidateListResourceConfig.Response",
        false,
    ),
    (
        "GenerateResourceConfig",
        "GenerateResourceConfig.Request",
        "GenerateResourceConfig.Response",
        false,
    ),
    (
        "ValidateActionConfig",
        "ValidateActionConfig.Request",
        "ValidateActionConfig.Response",
        false,
    ),
    ("PlanAction", "PlanAction.Request", "PlanAction.Response", false),
    ("InvokeAction", "InvokeAction.Request", "InvokeAction.Event", true),
    ("StopProvider", "StopProvider.Request", "StopProvider.Response", false),
];

/// Wire-relevant types: `(message, field, type, type name or "", proto3 `optional`)`.
const TYPES: &[(&str, &str, Type, &str, bool)] = &[
    (
        "OpenEphemeralResource.Response",
        "renew_at",
        Type::Message,
        ".google.protobuf.Timestamp",
        true,
    ),
    ("OpenEphemeralResource.Response", "private", Type::Bytes, "", true),
    ("RenewEphemeralResource.Request", "private", Type::Bytes, "", true),
    (
        "RenewEphemeralResource.Response",
        "renew_at",
        Type::Message,
        ".google.protobuf.Timestamp",
        true,
    ),
    ("RenewEphemeralResource.Response", "private", Type::Bytes, "", true),
    ("CloseEphemeralResource.Request", "private", Type::Bytes, "", true),
    ("FunctionError", "function_argument", Type::Int64, "", true),
    ("ListResource.Request", "include_resource_object", Type::Bool, "", false),
    ("ListResource.Request", "limit", Type::Int64, "", false),
    (
        "ListResource.Event",
        "identity",
        Type::Message,
        ".tfplugin6.ResourceIdentityData",
        false,
    ),
    (
        "ListResource.Event",
        "resource_object",
        Type::Message,
        ".tfplugin6.DynamicValue",
        true,
    ),
    (
        "ValidateListResourceConfig.Request",
        "include_resource_object",
        Type::Message,
        ".tfplugin6.DynamicValue",
        false,
    ),
    (
        "ValidateListResourceConfig.Request",
        "limit",
        Type::Message,
        ".tfplugin6.DynamicValue",
        false,
    ),
    (
        "MoveResourceState.Request",
        "source_state",
        Type::Message,
        ".tfplugin6.RawState",
        false,
    ),
    (
        "MoveResourceState.Request",
        "source_identity",
        Type::Message,
        ".tfplugin6.RawState",
        false,
    ),
    (
        "MoveResourceState.Request",
        "source_schema_version",
        Type::Int64,
        "",
        false,
    ),
    (
        "UpgradeResourceIdentity.Request",
        "raw_identity",
        Type::Message,
        ".tfplugin6.RawState",
        false,
    ),
    (
        "ReadResource.Request",
        "current_identity",
        Type::Message,
        ".tfplugin6.ResourceIdentityData",
        false,
    ),
    (
        "ReadResource.Response",
        "deferred",
        Type::Message,
        ".tfplugin6.Deferred",
        false,
    ),
    (
        "PlanResourceChange.Request",
        "client_capabilities",
        Type::Message,
        ".tfplugin6.ClientCapabilities",
        false,
    ),
    (
        "ImportResourceState.Request",
        "identity",
        Type::Message,
        ".tfplugin6.ResourceIdentityData",
        false,
    ),
    ("Schema.Attribute", "write_only", Type::Bool, "", false),
    ("Schema.Attribute", "deprecation_message", Type::String, "", false),
    ("Schema.Block", "deprecation_message", Type::String, "", false),
    (
        "ResourceIdentitySchema.IdentityAttribute",
        "type",
        Type::Bytes,
        "",
        false,
    ),
    ("Function.Parameter", "type", Type::Bytes, "", false),
];

fn compiled() -> FileDescriptorProto {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let set = protox::compile(["tfplugin6.proto"], [&dir]).expect("proto/tfplugin6.proto compiles");
    set.file
        .into_iter()
        .find(|f| f.name() == "tfplugin6.proto")
        .expect("tfplugin6.proto in the set")
}

/// Every message by its path (`Outer.Inner`), map-entry messages left out.
fn messages(file: &FileDescriptorProto) -> BTreeMap<String, DescriptorProto> {
    fn walk(prefix: &str, ds: &[DescriptorProto], out: &mut BTreeMap<String, DescriptorProto>) {
        for d in ds {
            if d.options.as_ref().is_some_and(|o| o.map_entry()) {
                continue;
            }
            let path = if prefix.is_empty() {
                d.name().to_string()
            } else {
                format!("{prefix}.{}", d.name())
            };
            walk(&path, &d.nested_type, out);
            out.insert(path, d.clone());
        }
    }
    let mut out = BTreeMap::new();
    walk("", &file.message_type, &mut out);
    out
}

#[test]
fn every_message_has_exactly_the_protocol_field_numbers() {
    let file = compiled();
    assert_eq!(file.package(), "tfplugin6");
    let got = messages(&file);
    let mut problems = Vec::new();
    for (path, fields) in MESSAGES {
        let Some(m) = got.get(*path) else {
            problems.push(format!("message {path} missing"));
            continue;
        };
        let have: BTreeMap<&str, i32> = m.field.iter().map(|f| (f.name(), f.number())).collect();
        let want: BTreeMap<&str, i32> = fields.iter().copied().collect();
        if have != want {
            problems.push(format!("{path}: proto has {have:?}, protocol says {want:?}"));
        }
    }
    let listed: Vec<&str> = MESSAGES.iter().map(|(p, _)| *p).collect();
    for path in got.keys() {
        if !listed.contains(&path.as_str()) {
            problems.push(format!("message {path} is not in the protocol table"));
        }
    }
    assert!(
        problems.is_empty(),
        "proto/tfplugin6.proto differs from protocol 6.10:\n{}",
        problems.join("\n")
    );
}

#[test]
fn state_store_numbers_are_reserved_not_reused() {
    let got = messages(&compiled());
    for (path, n) in RESERVED {
        let m = &got[*path];
        assert!(
            m.reserved_range.iter().any(|r| r.start() <= *n && *n < r.end()),
            "{path}: field {n} (state stores) should be reserved"
        );
    }
}

#[test]
fn enums_have_the_protocol_values() {
    let file = compiled();
    let mut got: BTreeMap<String, Vec<(String, i32)>> = BTreeMap::new();
    for e in &file.enum_type {
        got.insert(
            e.name().into(),
            e.value.iter().map(|v| (v.name().into(), v.number())).collect(),
        );
    }
    for (path, m) in messages(&file) {
        for e in &m.enum_type {
            got.insert(
                format!("{path}.{}", e.name()),
                e.value.iter().map(|v| (v.name().into(), v.number())).collect(),
            );
        }
    }
    let want: BTreeMap<String, Vec<(String, i32)>> = ENUMS
        .iter()
        .map(|(p, vs)| (p.to_string(), vs.iter().map(|(n, v)| (n.to_string(), *v)).collect()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_service_has_the_protocol_rpcs_in_order() {
    let file = compiled();
    assert_eq!(file.service.len(), 1);
    let svc = &file.service[0];
    assert_eq!(svc.name(), "Provider");
    let got: Vec<(String, String, String, bool, bool)> = svc
        .method
        .iter()
        .map(|m| {
            (
                m.name().to_string(),
                m.input_type().to_string(),
                m.output_type().to_string(),
                m.client_streaming(),
                m.server_streaming(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, bool, bool)> = RPCS
        .iter()
        .map(|(n, i, o, s)| {
            (
                n.to_string(),
                format!(".tfplugin6.{i}"),
                format!(".tfplugin6.{o}"),
                false,
                *s,
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        RPCS.len(),
        36 - 8,
        "6.10 has 36 RPCs; all but the 8 state-store ones are here"
    );
}

#[test]
fn wire_types_of_the_new_fields() {
    let got = messages(&compiled());
    for (path, field, ty, type_name, optional) in TYPES {
        let f = got[*path]
            .field
            .iter()
            .find(|f| f.name() == *field)
            .unwrap_or_else(|| panic!("{path}.{field} missing"));
        assert_eq!(f.r#type(), *ty, "{path}.{field} type");
        assert_eq!(f.type_name(), *type_name, "{path}.{field} type name");
        assert_eq!(f.proto3_optional(), *optional, "{path}.{field}: proto3 `optional`");
        assert_eq!(f.label(), Label::Optional, "{path}.{field} is singular");
    }
    let repeated = [
        "ListResource.Event.diagnostic",
        "GetMetadata.Response.ephemeral_resources",
        "Function.parameters",
        "CallFunction.Request.arguments",
    ];
    for p in repeated {
        let (m, field) = p.rsplit_once('.').unwrap();
        let f = got[m].field.iter().find(|f| f.name() == field).unwrap();
        assert_eq!(f.label(), Label::Repeated, "{p} is repeated");
    }
}

/// The generated server answers what the provider does not implement yet with UNIMPLEMENTED
/// (gRPC 12), the answer Terraform tolerates for features the schema does not advertise; the
/// ephemeral, identity, list and generated-config RPCs answer without any of those types.
#[tokio::test]
async fn unimplemented_rpcs_answer_unimplemented() {
    use tfplugin::proto::tfplugin6 as pb;
    let dir = common::temp_dir("proto-fields");
    let cert = common::client_cert(&dir, "terraform");
    let plugin = common::Plugin::start(Some(&cert), &[]);
    let ch = common::connect(&plugin, Some(&cert)).await.unwrap();
    let mut c = pb::provider_client::ProviderClient::new(ch);
    let codes = [
        c.move_resource_state(pb::move_resource_state::Request::default())
            .await
            .err()
            .map(|s| s.code()),
        c.call_function(pb::call_function::Request::default())
            .await
            .err()
            .map(|s| s.code()),
    ];
    for code in codes {
        assert_eq!(code, Some(tonic::Code::Unimplemented));
    }
    // The implemented ones still answer.
    c.get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema");
    // Ephemeral resources are served: a type the provider lacks is a diagnostic, not gRPC 12.
    let open = c
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request::default())
        .await
        .expect("OpenEphemeralResource answers")
        .into_inner();
    assert!(open.diagnostics[0].summary.contains("Unknown ephemeral resource type"));
    // Identity, list and generated config (6.9/6.10) answer for a provider without any: no
    // identities, and an error naming the type it lacks (never UNIMPLEMENTED, never a panic).
    let ids = c
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect("GetResourceIdentitySchemas")
        .into_inner();
    assert!(ids.identity_schemas.is_empty() && ids.diagnostics.is_empty());
    let mut events = c
        .list_resource(pb::list_resource::Request {
            type_name: "visionone_echo".into(),
            ..Default::default()
        })
        .await
        .expect("ListResource")
        .into_inner();
    let first = events.message().await.unwrap().expect("one event");
    assert!(
        first.diagnostic[0].summary.contains("Unknown list resource type"),
        "{first:?}"
    );
    assert!(
        events.message().await.unwrap().is_none(),
        "the stream ends after the error"
    );
    let generated = c
        .generate_resource_config(pb::generate_resource_config::Request {
            type_name: "nope".into(),
            state: None,
        })
        .await
        .expect("GenerateResourceConfig")
        .into_inner();
    assert!(generated.config.is_none());
    assert_eq!(generated.diagnostics[0].summary, "Unknown resource type");
    drop(plugin);
    let _ = std::fs::remove_dir_all(dir);
}
