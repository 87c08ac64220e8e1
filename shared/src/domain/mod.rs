//! Pure domain types: every value here has been parsed and is valid by construction.
//! No serde, no AWS, no HTTP, and no other module of this crate (`make lint` checks it): the
//! API's JSON is `api::show`, the stored items `store::items`.

mod address;
mod birthday;
mod change;
pub mod countries;
mod country;
mod customer;
mod document;
mod email;
mod enums;
mod group;
mod identifiers;
mod identity;
mod image;
mod metadata;
mod phone;
mod principal;
mod tenant;
mod text;
mod tombstone;
mod unique;
mod warning;

pub use address::{Address, Addresses, AddressesError, Zipcode, ZipcodeError, MAX_ADDRESSES};
pub use birthday::{Birthday, BirthdayError};
pub use change::{ChangeEvent, CommittedChange, EventSubject, EventType};
pub use country::{CountryCode, CountryError};
pub use customer::{
    timestamp, Customer, CustomerDetails, CustomerId, DocumentChange, SourceAccount,
    SourceIdentifiers, Subject,
};
pub use document::{
    DocumentRecord, DocumentType, Verification, VerificationReason, VerificationStatus,
};
pub use email::{Email, EmailError};
pub use enums::{EnumError, Gender, Source, Status};
pub use group::{CustomerGroup, GroupDescription, GroupId, GroupName};
pub use identifiers::{
    CardNumber, CardNumberError, CardStatus, ExternalId, Identifiers, LoyaltyCard,
};
pub use identity::{parse_expiry, DocumentError, DocumentFacts, DocumentNumber, IdentityDocument};
pub use image::{DocumentImage, ImageError, ImageFormat, MAX_IMAGE_BYTES};
pub use metadata::{
    Metadata, MetadataError, MetadataKey, MetadataNumber, MetadataValue, NumberKind,
    MAX_KEYS as MAX_METADATA_KEYS,
};
pub use phone::{CallingCode, Mobile, Phone, PhoneError, PhoneRegion};
pub use principal::Principal;
pub use tenant::{TenantError, TenantId};
pub use text::{AddressLine, Company, Notes, PersonName, PlaceName, Text, TextError};
pub use tombstone::Tombstone;
pub use unique::{Claim, UniqueField};
pub use warning::Warning;

/// A rule broken by one input value: the machine-readable code API clients branch on, and a
/// human message (the `Display`). Never carries the offending value, which may be PII.
pub trait Violation: std::fmt::Display {
    fn code(&self) -> &'static str;
}
