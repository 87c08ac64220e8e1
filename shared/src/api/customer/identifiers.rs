//! Loyalty identifiers: the tenant's own id for the customer and the card it holds.

use crate::api::object::Object;
use crate::api::{Pointer, Report};
use crate::domain::{CardNumber, CardStatus, ExternalId, Identifiers, LoyaltyCard, Text};
use serde_json::Value;

const IDENTIFIER_FIELDS: &[&str] = &[
    "external_id",
    "card_number",
    "card_series_id",
    "card_status",
];

pub(super) fn parse_identifiers(value: &Value, at: Pointer, r: &mut Report) -> Option<Identifiers> {
    let obj = Object::of(value, at, IDENTIFIER_FIELDS, r)?;
    let errors_before = r.error_count();
    let external_id = obj.parse("external_id", r, ExternalId::parse);
    let card_number = obj.parse("card_number", r, CardNumber::parse);
    let card_series_id = obj.parse("card_series_id", r, Text::<64, false>::parse);
    let card_status = obj.parse("card_status", r, CardStatus::parse);
    let card_details = obj.present("card_series_id") || obj.present("card_status");
    if card_details && !obj.present("card_number") {
        r.error(
            &obj.at("card_number"),
            "required",
            "is required when card_series_id or card_status is given",
        );
    }
    if r.error_count() > errors_before {
        return None;
    }
    Some(Identifiers {
        external_id,
        card: card_number.map(|card_number| LoyaltyCard {
            card_number,
            card_series_id,
            card_status,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn loyalty_identifiers() {
        let c = ok(with(json!({"identifiers": {
            "external_id": " crm-42 ", "card_number": "9000 1234-5678", "card_series_id": "GOLD", "card_status": "active"
        }})));
        assert_eq!(c.identifiers.external_id.unwrap().as_str(), "crm-42");
        let card = c.identifiers.card.unwrap();
        assert_eq!(card.card_number.as_str(), "900012345678");
        assert_eq!(card.card_status, Some(CardStatus::Active));
        assert_eq!(
            errors(with(
                json!({"identifiers": {"external_id": "x".repeat(65), "card_number": "12#", "card_status": "LOST", "pin": 1}})
            )),
            vec![
                ("/identifiers/pin".to_owned(), "unknown_field"),
                ("/identifiers/external_id".to_owned(), "too_long"),
                ("/identifiers/card_number".to_owned(), "invalid_format"),
                ("/identifiers/card_status".to_owned(), "invalid_value"),
            ]
        );
        assert_eq!(
            errors(with(json!({"identifiers": {"card_status": "ACTIVE"}}))),
            error("/identifiers/card_number", "required")
        );
    }
}
