//! Where a card payment's dispute stands, and what each stage does to the money. A bank may
//! first only ask about a payment (an inquiry, Stripe's `warning_*` statuses), which withdraws
//! nothing; a chargeback withdraws the amount until it is decided. Every rule about disputes
//! lives here; the database stores [`DisputeState::as_str`].

use serde::{Deserialize, Serialize};

/// A dispute's stage. Stages only move forward ([`DisputeState::stage`]): a late event about
/// an earlier one changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DisputeState {
    /// The bank asks about the payment (a "retrieval request"): no money is withdrawn, the
    /// gift still counts and its receipt stands. Staff may answer it, or refund the gift.
    Inquiry,
    /// The inquiry closed without a chargeback: nothing happened to the money.
    InquiryClosed,
    /// A chargeback: the amount is withdrawn until it is decided.
    Open,
    /// Decided for the charity: the money came back.
    Won,
    /// Decided for the cardholder: the money is gone for good.
    Lost,
}

impl DisputeState {
    pub const ALL: [DisputeState; 5] = [
        DisputeState::Inquiry,
        DisputeState::InquiryClosed,
        DisputeState::Open,
        DisputeState::Won,
        DisputeState::Lost,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            DisputeState::Inquiry => "inquiry",
            DisputeState::InquiryClosed => "inquiry_closed",
            DisputeState::Open => "open",
            DisputeState::Won => "won",
            DisputeState::Lost => "lost",
        }
    }

    pub fn parse(code: &str) -> Option<DisputeState> {
        DisputeState::ALL
            .into_iter()
            .find(|state| state.as_str() == code)
    }

    /// Stripe's dispute `status` (2025-03-31.basil), whichever event carries it.
    pub fn from_stripe_status(status: &str) -> Option<DisputeState> {
        match status {
            "warning_needs_response" | "warning_under_review" => Some(DisputeState::Inquiry),
            "warning_closed" => Some(DisputeState::InquiryClosed),
            "needs_response" | "under_review" => Some(DisputeState::Open),
            "won" => Some(DisputeState::Won),
            "lost" => Some(DisputeState::Lost),
            _ => None,
        }
    }

    /// How far along a dispute is: an inquiry may close or become a chargeback, and a
    /// chargeback ends won or lost. A stage is never replaced by an earlier one.
    pub fn stage(self) -> i64 {
        match self {
            DisputeState::Inquiry => 1,
            DisputeState::InquiryClosed => 2,
            DisputeState::Open => 3,
            DisputeState::Won | DisputeState::Lost => 4,
        }
    }

    /// What of a disputed `amount` is held back from the charity at this stage.
    pub fn withheld(self, amount_minor: u64) -> u64 {
        match self {
            DisputeState::Open | DisputeState::Lost => amount_minor,
            DisputeState::Inquiry | DisputeState::InquiryClosed | DisputeState::Won => 0,
        }
    }

    /// Whether staff must act on it (answer the inquiry or the chargeback) before it closes.
    pub fn needs_staff(self) -> bool {
        matches!(self, DisputeState::Inquiry | DisputeState::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for state in DisputeState::ALL {
            assert_eq!(DisputeState::parse(state.as_str()), Some(state));
        }
        assert_eq!(DisputeState::parse("warning_closed"), None);
    }

    #[test]
    fn an_inquiry_withholds_nothing_and_a_chargeback_withholds_the_amount() {
        assert_eq!(
            DisputeState::from_stripe_status("warning_needs_response").map(|s| s.withheld(300)),
            Some(0)
        );
        assert_eq!(
            DisputeState::from_stripe_status("warning_closed").map(|s| s.withheld(300)),
            Some(0)
        );
        assert_eq!(
            DisputeState::from_stripe_status("needs_response").map(|s| s.withheld(300)),
            Some(300)
        );
        assert_eq!(
            DisputeState::from_stripe_status("lost").map(|s| s.withheld(300)),
            Some(300)
        );
        assert_eq!(
            DisputeState::from_stripe_status("won").map(|s| s.withheld(300)),
            Some(0)
        );
        assert_eq!(DisputeState::from_stripe_status("a_new_status"), None);
    }

    #[test]
    fn stages_only_move_forward() {
        use DisputeState::*;
        assert!(Inquiry.stage() < InquiryClosed.stage());
        assert!(
            InquiryClosed.stage() < Open.stage(),
            "a closed inquiry can still escalate"
        );
        assert!(Open.stage() < Won.stage() && Open.stage() < Lost.stage());
    }
}
