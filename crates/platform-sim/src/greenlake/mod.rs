//! HPE GreenLake Platform's workspace APIs: the MSP's tenants (`tenants`, msp-tenants; `writes`
//! creates, updates and deletes them in the `registry` of what writes changed; `device_writes`
//! assigns and licenses devices;
//! `subscription_adds` adds subscriptions by key; both start the async operations of
//! `operations`) and a
//! workspace's devices, subscriptions and audit log (`lists` serves the records `records` generates). The
//! token endpoint (`oauth`) and the service catalog (`catalog`) are GreenLake's too, in modules
//! of their own.

mod audit;
mod device_writes;
mod lists;
mod operations;
mod records;
pub(crate) mod registry;
mod subscription_adds;
mod tenants;
mod writes;

pub(crate) use device_writes::{
    DeviceBook, Operation as DeviceOperation, patch as patch_devices, records as current_records,
};
pub(crate) use lists::list;
pub(crate) use operations::read as read_operation;
pub(crate) use records::GlpResource;
pub(crate) use subscription_adds::{Operation as SubscriptionOperation, add as add_subscriptions};
pub(crate) use tenants::{item as tenant_item, msp_tenants, ownership};
pub(crate) use writes::{
    create as create_tenant, delete as delete_tenant, update as update_tenant,
};
