//! Closed lists staff choose from in the admin: the columns the donations table sorts by and
//! the kinds of things in the exceptions queue. The database reads and writes them, the views
//! name them, so they live below both.

/// Columns the table sorts by (a closed list: never a column name from input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    Date,
    Reference,
    Amount,
    Status,
    Email,
}

impl SortBy {
    pub const ALL: [SortBy; 5] = [
        SortBy::Date,
        SortBy::Reference,
        SortBy::Amount,
        SortBy::Status,
        SortBy::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Date => "date",
            SortBy::Reference => "reference",
            SortBy::Amount => "amount",
            SortBy::Status => "status",
            SortBy::Email => "email",
        }
    }

    pub fn parse(value: &str) -> Option<SortBy> {
        SortBy::ALL.into_iter().find(|sort| sort.as_str() == value)
    }
}

/// The kinds of things in the exceptions queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueKind {
    /// A payment that did not match its donation, or named none of ours.
    Exception,
    /// A payment disputed by the card holder, still open.
    Dispute,
    /// A receipt that could not be delivered and was parked.
    Receipt,
    /// A provider event still waiting for its payment.
    WaitingEvent,
    /// A donor's message from My gifts (a standing order stopped or changed, a question).
    DonorMessage,
    /// Money in on a bank statement that no one has applied or set aside.
    StatementLine,
    /// A monthly gift's second offline payment in one month: recorded, for staff to check.
    SecondPayment,
}

impl QueueKind {
    pub const ALL: [QueueKind; 7] = [
        QueueKind::Exception,
        QueueKind::Dispute,
        QueueKind::Receipt,
        QueueKind::WaitingEvent,
        QueueKind::DonorMessage,
        QueueKind::StatementLine,
        QueueKind::SecondPayment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Exception => "exception",
            QueueKind::Dispute => "dispute",
            QueueKind::Receipt => "receipt",
            QueueKind::WaitingEvent => "waiting_event",
            QueueKind::DonorMessage => "donor_message",
            QueueKind::StatementLine => "statement_line",
            QueueKind::SecondPayment => "second_payment",
        }
    }

    pub fn parse(value: &str) -> Option<QueueKind> {
        QueueKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_lists_read_back() {
        for sort in SortBy::ALL {
            assert_eq!(SortBy::parse(sort.as_str()), Some(sort));
        }
        for kind in QueueKind::ALL {
            assert_eq!(QueueKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(SortBy::parse("d.created_at"), None);
        assert_eq!(QueueKind::parse("anything"), None);
    }
}
