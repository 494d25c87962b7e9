//! HPE GreenLake Platform's workspace APIs: the MSP's tenants (`tenants`, msp-tenants) and a
//! workspace's devices, subscriptions and audit log (`lists` serves the records `records` generates). The
//! token endpoint (`oauth`) and the service catalog (`catalog`) are GreenLake's too, in modules
//! of their own.

mod audit;
mod lists;
mod records;
mod tenants;

pub(crate) use lists::list;
pub(crate) use records::GlpResource;
pub(crate) use tenants::{item as tenant_item, msp_tenants, ownership};
