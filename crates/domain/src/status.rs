//! Where a donation is in its life, and the rules for moving it on. Every rule about statuses
//! lives here: other code asks these methods instead of comparing status names.

/// Where a donation is in its life. Moves only forward: see [`DonationStatus::mark_paid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DonationStatus {
    Pending,
    Paid,
    Failed,
    Expired,
    Cancelled,
}

/// Why a donation cannot be marked paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusError {
    /// Failed and cancelled gifts are closed; a payment for one needs a new donation.
    Closed(DonationStatus),
}

/// The result of an allowed transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Changed,
    /// Already in the target state: confirming twice is harmless.
    Unchanged,
}

impl DonationStatus {
    pub const ALL: [DonationStatus; 5] = [
        DonationStatus::Pending,
        DonationStatus::Paid,
        DonationStatus::Failed,
        DonationStatus::Expired,
        DonationStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DonationStatus::Pending => "pending",
            DonationStatus::Paid => "paid",
            DonationStatus::Failed => "failed",
            DonationStatus::Expired => "expired",
            DonationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<DonationStatus> {
        DonationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    /// Whether the gift still waits for its money: the donor may start, continue or switch
    /// the way of paying only then.
    pub fn awaits_payment(self) -> bool {
        self == DonationStatus::Pending
    }

    /// Whether nothing more is expected to happen to the gift on its own: its page stops
    /// watching for news. (Staff may still confirm a late transfer for an expired gift.)
    pub fn is_final(self) -> bool {
        !self.awaits_payment()
    }

    /// Staff confirm an offline gift when the money arrives. A pending gift becomes paid; so
    /// does an expired one, because bank transfers can arrive late and the money is real.
    pub fn mark_paid(self) -> Result<Transition, StatusError> {
        match self {
            DonationStatus::Pending | DonationStatus::Expired => Ok(Transition::Changed),
            DonationStatus::Paid => Ok(Transition::Unchanged),
            DonationStatus::Failed | DonationStatus::Cancelled => Err(StatusError::Closed(self)),
        }
    }

    /// The statuses from which [`DonationStatus::mark_paid`] changes anything.
    pub fn payable() -> impl Iterator<Item = DonationStatus> {
        DonationStatus::ALL
            .into_iter()
            .filter(|status| status.mark_paid() == Ok(Transition::Changed))
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_or_expired_gifts_become_paid() {
        use DonationStatus::*;
        assert_eq!(Pending.mark_paid(), Ok(Transition::Changed));
        assert_eq!(Expired.mark_paid(), Ok(Transition::Changed));
        assert_eq!(Paid.mark_paid(), Ok(Transition::Unchanged));
        assert_eq!(Failed.mark_paid(), Err(StatusError::Closed(Failed)));
        assert_eq!(Cancelled.mark_paid(), Err(StatusError::Closed(Cancelled)));
        assert_eq!(
            DonationStatus::payable().collect::<Vec<_>>(),
            [Pending, Expired]
        );
        for status in DonationStatus::ALL {
            assert_eq!(DonationStatus::parse(status.as_str()), Some(status));
            assert_eq!(status.awaits_payment(), status == Pending);
            assert_eq!(status.is_final(), status != Pending);
        }
        assert_eq!(DonationStatus::parse("refunded"), None);
    }
}
