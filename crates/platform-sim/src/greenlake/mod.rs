//! HPE GreenLake Platform's workspace APIs: the MSP's tenants (`tenants`, msp-tenants; `writes`
//! creates, updates and deletes them in the `registry` of what writes changed) and a
//! workspace's devices, subscriptions and audit log (`lists` serves the records `records` generates). The
//! token endpoint (`oauth`) and the service catalog (`catalog`) are GreenLake's too, in modules
//! of their own.

mod audit;
mod lists;
mod records;
pub(crate) mod registry;
mod tenants;
mod writes;

pub(crate) use lists::list;
pub(crate) use records::GlpResource;
pub(crate) use tenants::{item as tenant_item, msp_tenants, ownership};
pub(crate) use writes::{
    create as create_tenant, delete as delete_tenant, update as update_tenant,
};
