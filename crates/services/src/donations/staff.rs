//! What staff do to donations: confirm a transfer (by hand or from a bank statement line),
//! import and work through a bank statement, and ask the payment provider for a refund. Every
//! action is written to the audit log in the same transaction as its change.

use super::Donations;
use crate::payment::ProviderError;
use crate::staff::actions;
use crate::statements::{
    self, Candidate, Columns, ImportSummary, Known, Mapping, Proposal, ReviewLine, RowProblem,
    StatementError,
};
use sharecare_db::{
    Actor, AuditEntry, DbError, NewPayment, NewRefundRequest, OfflineDetails, OfflineMethod,
    StatementImport, StatementLine, StatementMapping,
};
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Money;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::status::{DonationStatus, StatusError, Transition};
use sharecare_domain::time::Timestamp;

/// A transfer (or cheque, or cash) staff confirm.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    pub reference: &'a Reference,
    /// What arrived (may differ from what the pledge awaits, with `accept_difference`).
    pub received: Money,
    /// When it arrived.
    pub received_at: Timestamp,
    /// Where staff saw it.
    pub seen: Seen<'a>,
    /// Staff saw the amount differs from the pledge and confirm what arrived.
    pub accept_difference: bool,
    pub actor: &'a Actor,
}

/// Where staff saw the money: each statement line, and each confirmation, is a payment of its
/// own (keyed by it, so applying the line or submitting the form twice records it once).
#[derive(Debug, Clone, Copy)]
pub enum Seen<'a> {
    /// A line of an imported bank statement.
    Line(&'a str),
    /// Staff's own confirmation: the confirm form's id, how the money came, a cheque's number.
    ByHand {
        confirmation_id: &'a str,
        method: OfflineMethod,
        cheque_number: Option<&'a str>,
    },
}

/// How long after confirming by hand staff may undo it (a slip of the hand), unless configured;
/// later, money returned is a bank refund.
pub const DEFAULT_UNDO_WINDOW: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Why a transfer could not be confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("no donation has that reference")]
    NotFound,
    #[error("the donation is {}, so it cannot be confirmed", .0.as_str())]
    Closed(DonationStatus),
    #[error("the donation is paid by card, through the payment provider")]
    NotATransfer,
    #[error("{received} arrived, the pledge was {expected}: confirm the difference to record what arrived")]
    AmountDiffers { expected: Money, received: Money },
    #[error("the amount must be in {0}")]
    Currency(&'static str),
    #[error("{} is paid in full already", .0.as_str())]
    PaidInFull(Reference),
    #[error("the line is dated after today; it can be confirmed from its date")]
    Held,
    #[error("the line does not carry the pledge's reference: tick that you checked it")]
    Unchecked,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Why an offline payment could not be refunded or voided.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("no such payment on this donation")]
    NotFound,
    #[error("say why")]
    NoReason,
    #[error("at most {0} can be refunded")]
    TooMuch(Money),
    #[error("it can be undone only in its first minutes; return the money as a bank refund")]
    TooLate,
    #[error("only a cheque can bounce")]
    NotACheque,
    #[error("it was voided already")]
    Voided,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Why a payment is voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidReason {
    /// Confirmed for the wrong pledge, or by mistake.
    Undone,
    /// The cheque was returned unpaid.
    Bounced,
}

/// A cheque or cash gift staff received (at an event, by post), as their form sent it.
#[derive(Debug, Clone)]
pub struct OfflineGift<'a> {
    /// The donor's details and the amount, checked as the public form's are.
    pub form: &'a sharecare_domain::form::DonationForm,
    pub method: OfflineMethod,
    pub cheque_number: Option<&'a str>,
    pub received_at: Timestamp,
    pub actor: &'a Actor,
}

/// Why a cheque or cash gift could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum OfflineGiftError {
    #[error("the form has problems")]
    Form(Vec<sharecare_domain::form::FieldError>),
    #[error("a cheque needs its number")]
    ChequeNumber,
    #[error("the time it arrived cannot be after now")]
    Future,
    #[error(transparent)]
    Confirm(#[from] ConfirmError),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Why a refund could not be asked for.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no such payment on this donation")]
    NotFound,
    #[error("only card payments are refunded here; return a transfer through the bank")]
    NotACardPayment,
    #[error("at most {0} can be refunded")]
    TooMuch(Money),
    #[error("no card payments are configured")]
    NoProvider,
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// What became of an uploaded statement.
#[derive(Debug, Clone)]
pub enum Imported {
    /// Read with the layout remembered for this bank.
    Read { import_id: String },
    /// A layout not seen before: staff map its columns first.
    NeedsMapping { import_id: String },
}

/// Why a statement could not be read with a mapping.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("no such import")]
    NotFound,
    #[error("name the bank account the statement is from")]
    NoAccount,
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error("rows that cannot be read with these columns")]
    Rows(Vec<RowProblem>),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// A statement's lines with what each seems to be.
#[derive(Debug, Clone)]
pub struct Review {
    pub import: ImportSummary,
    pub lines: Vec<(ReviewLine, Proposal)>,
}

/// How many rows of a statement its mapping page shows.
const SAMPLE_ROWS: usize = 5;

impl Donations {
    /// Confirms a transfer (a cheque, cash): records the payment (what arrived, when it
    /// arrived), queues its receipt, writes the audit entry, all at once; then totals and pages
    /// move. A one-off pledge takes payments until they add up to it (a part payment counts and
    /// the rest stays awaited); a monthly gift takes one a month, and a second in one month is
    /// recorded and flagged for staff, never dropped.
    #[tracing::instrument(name = "confirm_transfer", skip_all, fields(reference = transfer.reference.as_str()))]
    pub async fn confirm_transfer(
        &self,
        transfer: Transfer<'_>,
    ) -> Result<Transition, ConfirmError> {
        let donation = self
            .db
            .donation_by_reference(transfer.reference)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        if donation.payment_method != PaymentMethod::Offline {
            return Err(ConfirmError::NotATransfer);
        }
        if let Err(StatusError::Closed(status)) = donation.status.mark_paid() {
            return Err(ConfirmError::Closed(status));
        }
        if transfer.received.currency != donation.amount.currency {
            return Err(ConfirmError::Currency(donation.amount.currency.code()));
        }
        if transfer.received_at > Timestamp::now() {
            return Err(ConfirmError::Held);
        }
        let received = self.db.offline_received(&donation.id).await?;
        let candidate = Candidate {
            donation: donation.clone(),
            received_minor: received,
        };
        let expected = Money::new(candidate.expected_minor(), donation.amount.currency);
        if expected.minor == 0 {
            return match transfer.seen {
                // The same confirmation again (a double submit), or a pledge paid in full.
                Seen::ByHand { .. } => Ok(Transition::Unchanged),
                Seen::Line(_) => Err(ConfirmError::PaidInFull(donation.reference.clone())),
            };
        }
        if transfer.received != expected && !transfer.accept_difference {
            return Err(ConfirmError::AmountDiffers {
                expected,
                received: transfer.received,
            });
        }
        let second_in_month = donation.frequency == Frequency::Monthly && {
            let (from, until) = statements::month_bounds(transfer.received_at);
            self.db.payments_between(&donation.id, from, until).await? > 0
        };
        let (source_id, details, subject) = match transfer.seen {
            Seen::Line(line) => (
                statements::line_source_id(line),
                OfflineDetails {
                    method: OfflineMethod::Transfer,
                    cheque_number: None,
                    statement_line: Some(line.to_string()),
                    second_in_month,
                },
                format!("statement line {line}"),
            ),
            Seen::ByHand {
                confirmation_id,
                method,
                cheque_number,
            } => (
                statements::confirmation_source_id(confirmation_id),
                OfflineDetails {
                    method,
                    cheque_number: cheque_number.map(str::to_string),
                    statement_line: None,
                    second_in_month,
                },
                format!("by hand ({})", method.as_str()),
            ),
        };
        let payment = NewPayment {
            id: random_hex::<16>(),
            donation_id: donation.id.clone(),
            source_id,
            payment_intent_id: None,
            amount: transfer.received,
            paid_at: transfer.received_at,
            subscription_id: None,
            fee_minor: None,
            receipt_id: donation.receipt.wanted().then(random_hex::<16>),
        };
        let audit = AuditEntry::new(transfer.actor, actions::CONFIRM_TRANSFER)
            .donation(&donation.id)
            .subject(subject)
            .change(
                Some(donation.status.as_str().to_string()),
                Some(format!("paid {}", transfer.received.plain_decimal())),
            );
        if !self
            .db
            .record_offline_payment(&payment, &details, Timestamp::now(), &audit)
            .await?
        {
            return Ok(Transition::Unchanged);
        }
        tracing::info!(second_in_month, "transfer confirmed");
        metrics::counter!("sharecare_payments_total").increment(1);
        self.payment_recorded(&donation.id).await;
        if let Err(error) = self.apply_waiting_changes().await {
            crate::warn_throttled!("after-confirm", %error, "cannot apply waiting changes; the sweep will");
        }
        Ok(Transition::Changed)
    }

    /// Records a gift received by cheque or in cash: the donor's gift, checked as the public
    /// form checks it, and its payment (the cheque's number kept), receipted like any other.
    /// The form's token makes a double submit one gift.
    pub async fn record_offline_gift(
        &self,
        gift: OfflineGift<'_>,
    ) -> Result<Donation, OfflineGiftError> {
        let cheque_number = gift
            .cheque_number
            .map(str::trim)
            .filter(|number| !number.is_empty())
            .map(|number| number.chars().take(40).collect::<String>());
        if gift.method == OfflineMethod::Cheque && cheque_number.is_none() {
            return Err(OfflineGiftError::ChequeNumber);
        }
        if gift.received_at > Timestamp::now() {
            return Err(OfflineGiftError::Future);
        }
        let rules = sharecare_domain::form::GivingRules {
            card_payments: false,
            ..self.giving_rules()
        };
        let request = gift.form.parse(rules).map_err(OfflineGiftError::Form)?;
        let locale = sharecare_domain::locale::Locale::DEFAULT;
        let donation = self.record(&request, locale).await?;
        let confirmation = format!("gift-{}", request.token.parts().0);
        self.confirm_transfer(Transfer {
            reference: &donation.reference,
            received: request.amount,
            received_at: gift.received_at,
            seen: Seen::ByHand {
                confirmation_id: &confirmation,
                method: gift.method,
                cheque_number: cheque_number.as_deref(),
            },
            accept_difference: false,
            actor: gift.actor,
        })
        .await?;
        Ok(donation)
    }

    /// An offline payment of `donation` that is not voided.
    async fn open_offline_payment(
        &self,
        donation: &Donation,
        payment_id: &str,
    ) -> Result<sharecare_db::OfflinePayment, OfflineError> {
        let payment = self
            .db
            .offline_payment(payment_id)
            .await?
            .filter(|payment| payment.donation_id == donation.id)
            .ok_or(OfflineError::NotFound)?;
        if payment.voided_at.is_some() {
            return Err(OfflineError::Voided);
        }
        Ok(payment)
    }

    /// The gift an offline payment was for.
    pub async fn donation_of_payment(&self, payment_id: &str) -> Result<Option<Donation>, DbError> {
        match self.db.offline_payment(payment_id).await? {
            Some(payment) => self.db.donation_by_id(&payment.donation_id).await,
            None => Ok(None),
        }
    }

    /// Money the charity returned through the bank (finance): what counts of the payment
    /// falls by `amount`, its receipt is voided and one for what remains issued. Audited with
    /// staff's reason.
    pub async fn refund_by_bank(
        &self,
        donation: &Donation,
        payment_id: &str,
        amount: Money,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), OfflineError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(OfflineError::NoReason);
        }
        let payment = self.open_offline_payment(donation, payment_id).await?;
        let refundable = u64::try_from(payment.amount_minor - payment.refunded_minor).unwrap_or(0);
        if amount.minor == 0
            || amount.minor > refundable
            || amount.currency != donation.amount.currency
        {
            return Err(OfflineError::TooMuch(Money::new(
                refundable,
                donation.amount.currency,
            )));
        }
        let note: String = reason.chars().take(500).collect();
        let audit = AuditEntry::new(actor, actions::BANK_REFUND)
            .donation(&donation.id)
            .subject(format!("payment {payment_id}"))
            .change(
                Some(format!("refunded {}", payment.refunded_minor)),
                Some(format!("refund {}: {note}", amount.plain_decimal())),
            );
        if !self
            .db
            .refund_offline_payment(payment_id, amount.minor, Timestamp::now(), &audit)
            .await?
        {
            return Err(OfflineError::TooMuch(Money::new(
                refundable,
                donation.amount.currency,
            )));
        }
        tracing::info!("a bank refund is recorded");
        self.payment_recorded(&donation.id).await;
        Ok(())
    }

    /// Voids an offline payment that was not one: a confirmation undone (in its first 30
    /// minutes; a statement line's at any time, to apply it to the right pledge) or a cheque
    /// that bounced. None of it counts any more and its receipt is void. Audited.
    pub async fn void_offline_payment(
        &self,
        donation: &Donation,
        payment_id: &str,
        why: VoidReason,
        actor: &Actor,
    ) -> Result<(), OfflineError> {
        let payment = self.open_offline_payment(donation, payment_id).await?;
        let now = Timestamp::now();
        let (action, reason) = match why {
            VoidReason::Bounced => {
                if payment.method.as_deref() != Some(OfflineMethod::Cheque.as_str()) {
                    return Err(OfflineError::NotACheque);
                }
                (actions::CHEQUE_BOUNCED, "the cheque bounced")
            }
            VoidReason::Undone => {
                let recent = payment
                    .confirmed_at
                    .is_some_and(|at| now.since(at) < self.undo_window);
                if payment.statement_line.is_none() && !recent {
                    return Err(OfflineError::TooLate);
                }
                (actions::PAYMENT_UNDONE, "confirmed by mistake")
            }
        };
        let audit = AuditEntry::new(actor, action)
            .donation(&donation.id)
            .subject(format!("payment {payment_id}"))
            .change(
                Some(format!("paid {}", payment.amount_minor)),
                Some(reason.to_string()),
            );
        if !self
            .db
            .void_offline_payment(payment_id, reason, now, &audit)
            .await?
        {
            return Err(OfflineError::Voided);
        }
        tracing::info!(reason, "an offline payment is voided");
        self.payment_recorded(&donation.id).await;
        Ok(())
    }

    /// Stores an uploaded statement and reads it if its layout is known.
    pub async fn import_statement(
        &self,
        file_name: &str,
        account: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<Imported, MappingError> {
        let account = account.split_whitespace().collect::<Vec<_>>().join(" ");
        if account.is_empty() {
            return Err(MappingError::NoAccount);
        }
        let table = statements::read(bytes)?;
        let import = StatementImport {
            id: random_hex::<16>(),
            file_name: file_name.chars().take(200).collect(),
            signature: table.signature(),
            raw: String::from_utf8_lossy(bytes).into_owned(),
            uploaded_by: actor.email.clone(),
            uploaded_at: Timestamp::now(),
            lines_read: 0,
            lines_known: 0,
            read_at: None,
            account: account.chars().take(100).collect(),
            lines_open: 0,
        };
        let audit = AuditEntry::new(actor, actions::STATEMENT_IMPORTED)
            .subject(format!("{} ({})", import.file_name, import.id));
        self.db.insert_statement_import(&import, &audit).await?;
        match self.db.statement_mapping(&import.signature).await? {
            Some(mapping) => {
                self.read_statement(&import, &table, &mapping).await?;
                Ok(Imported::Read {
                    import_id: import.id,
                })
            }
            None => Ok(Imported::NeedsMapping {
                import_id: import.id,
            }),
        }
    }

    /// The layout to propose for an import not read yet (the remembered one, or a guess),
    /// with a sample of its rows.
    pub async fn statement_mapping_for(&self, import_id: &str) -> Result<Mapping, MappingError> {
        let (import, table, mapping) = self.load_statement(import_id).await?;
        Ok(Mapping {
            import: import.into(),
            sample: table.rows.iter().take(SAMPLE_ROWS).cloned().collect(),
            headers: table.headers,
            proposed: mapping.into(),
            problems: Vec::new(),
        })
    }

    /// An import, its table and the layout it is read with: the remembered one, or a guess.
    async fn load_statement(
        &self,
        import_id: &str,
    ) -> Result<(StatementImport, statements::Table, StatementMapping), MappingError> {
        let import = self
            .db
            .statement_import(import_id)
            .await?
            .ok_or(MappingError::NotFound)?;
        let table = statements::read(import.raw.as_bytes())?;
        let mapping = match self.db.statement_mapping(&import.signature).await? {
            Some(mapping) => mapping,
            None => statements::guess_mapping(&table),
        };
        Ok((import, table, mapping))
    }

    /// Reads an import with the columns staff mapped, and remembers them for this layout.
    pub async fn map_statement(
        &self,
        import_id: &str,
        columns: Columns,
    ) -> Result<(), MappingError> {
        let (import, table, _) = self.load_statement(import_id).await?;
        let mapping = columns.for_layout(import.signature.clone());
        self.read_statement(&import, &table, &mapping).await?;
        self.db
            .save_statement_mapping(&mapping, Timestamp::now())
            .await?;
        Ok(())
    }

    async fn read_statement(
        &self,
        import: &StatementImport,
        table: &statements::Table,
        mapping: &StatementMapping,
    ) -> Result<(), MappingError> {
        let currency = self.content.organisation.currency();
        let lines = statements::lines(table, mapping, currency, &import.account)
            .map_err(MappingError::Rows)?;
        self.db
            .store_statement_lines(&import.id, &lines, Timestamp::now())
            .await?;
        Ok(())
    }

    /// An import's lines, each with the pledge it seems to pay.
    pub async fn review_statement(&self, import_id: &str) -> Result<Option<Review>, DbError> {
        Ok(self
            .proposals(import_id)
            .await?
            .map(|(import, lines)| Review {
                import: import.into(),
                lines: lines
                    .into_iter()
                    .map(|(line, proposal)| (ReviewLine::from(&line), proposal))
                    .collect(),
            }))
    }

    /// An import and its stored lines, each with the pledge it seems to pay.
    async fn proposals(
        &self,
        import_id: &str,
    ) -> Result<Option<(StatementImport, Vec<(StatementLine, Proposal)>)>, DbError> {
        let Some(import) = self.db.statement_import(import_id).await? else {
            return Ok(None);
        };
        let lines = self.db.statement_lines(import_id).await?;
        let known = self.known_for(&lines).await?;
        let proposals = statements::propose(&lines, &known);
        Ok(Some((import, lines.into_iter().zip(proposals).collect())))
    }

    /// What proposals for these lines are made from.
    async fn known_for(&self, lines: &[StatementLine]) -> Result<Known, DbError> {
        let candidates = self
            .db
            .transfer_candidates()
            .await?
            .into_iter()
            .map(|(donation, received_minor)| Candidate {
                donation,
                received_minor,
            })
            .collect();
        let mut references: Vec<String> = lines
            .iter()
            .flat_map(|line| Reference::find_in(&line.description))
            .map(|reference| reference.as_str().to_string())
            .collect();
        references.sort();
        references.dedup();
        let named = self.db.donations_by_references(&references).await?;
        // Payments confirmed by hand up to two months before the statement's first line.
        let earliest = lines
            .iter()
            .filter_map(|line| statements::parse_date(&line.booked_on, "ymd"))
            .filter_map(|(y, m, d)| sharecare_domain::time::hong_kong_midnight(y, m, d))
            .min()
            .unwrap_or_else(Timestamp::now);
        let since = earliest.minus(std::time::Duration::from_secs(62 * 86_400));
        let unlinked = self.db.unlinked_offline_payments(since).await?;
        Ok(Known {
            candidates,
            unlinked,
            named,
            today: Timestamp::now().hong_kong_iso_date(),
        })
    }

    /// Confirms every clear match of an import (reference and amount both right). Returns how
    /// many were recorded; a line applied before is skipped, so running it again records none.
    pub async fn confirm_clear_matches(
        &self,
        import_id: &str,
        actor: &Actor,
    ) -> Result<usize, ConfirmError> {
        let Some((_, lines)) = self.proposals(import_id).await? else {
            return Err(ConfirmError::NotFound);
        };
        let mut recorded = 0;
        for (line, proposal) in &lines {
            let Proposal::Clear(donation) = proposal else {
                continue;
            };
            // A line that cannot be applied now (paid in full meanwhile, by another tab) keeps
            // its place on the page with its reason; the others are still recorded.
            match self.confirm_line_as(line, donation, false, actor).await {
                Ok(Transition::Changed) => recorded += 1,
                Ok(Transition::Unchanged) => {}
                Err(ConfirmError::Database(error)) => return Err(error.into()),
                Err(error) => {
                    tracing::info!(%error, "a clear match could not be applied");
                }
            }
        }
        Ok(recorded)
    }

    /// Confirms one line as paying the pledge with `reference` (staff chose or checked it).
    /// A line that does not carry the reference needs staff's tick (`checked`): an amount and
    /// a date alone are weak evidence.
    pub async fn confirm_statement_line(
        &self,
        line_id: &str,
        reference: &Reference,
        accept_difference: bool,
        checked: bool,
        actor: &Actor,
    ) -> Result<Transition, ConfirmError> {
        let line = self
            .db
            .statement_line(line_id)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        if line.payment_id.is_some() || line.ignored_at.is_some() {
            return Ok(Transition::Unchanged);
        }
        if line.booked_on > Timestamp::now().hong_kong_iso_date() {
            return Err(ConfirmError::Held);
        }
        let donation = self
            .db
            .donation_by_reference(reference)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        if !checked && !Reference::find_in(&line.description).contains(reference) {
            return Err(ConfirmError::Unchecked);
        }
        self.confirm_line_as(&line, &donation, accept_difference, actor)
            .await
    }

    /// Marks a line as the bank's record of a payment confirmed by hand before the statement
    /// came (nothing new is recorded); `false` if either was matched already.
    pub async fn link_statement_line(
        &self,
        line_id: &str,
        payment_id: &str,
        actor: &Actor,
    ) -> Result<bool, DbError> {
        let audit = AuditEntry::new(actor, actions::STATEMENT_LINE_LINKED)
            .subject(format!("line {line_id} is payment {payment_id}"));
        let audit = match self.db.offline_payment(payment_id).await? {
            Some(payment) => audit.donation(&payment.donation_id),
            None => return Ok(false),
        };
        self.db
            .link_statement_line(line_id, payment_id, &audit)
            .await
    }

    async fn confirm_line_as(
        &self,
        line: &StatementLine,
        donation: &Donation,
        accept_difference: bool,
        actor: &Actor,
    ) -> Result<Transition, ConfirmError> {
        let amount = u64::try_from(line.amount_minor).unwrap_or(0);
        let received_at = statements::parse_date(&line.booked_on, "ymd")
            .and_then(|(y, m, d)| sharecare_domain::time::hong_kong_midnight(y, m, d))
            .unwrap_or_else(Timestamp::now);
        self.confirm_transfer(Transfer {
            reference: &donation.reference,
            received: Money::new(amount, donation.amount.currency),
            received_at,
            seen: Seen::Line(&line.id),
            accept_difference,
            actor,
        })
        .await
    }

    /// Sets a statement line aside (not a gift); `false` if it was dealt with already.
    pub async fn set_aside_statement_line(
        &self,
        line_id: &str,
        actor: &Actor,
    ) -> Result<bool, DbError> {
        let audit = AuditEntry::new(actor, actions::STATEMENT_LINE_SET_ASIDE).subject(line_id);
        self.db
            .ignore_statement_line(line_id, Timestamp::now(), &audit)
            .await
    }

    /// Asks the payment provider to refund part or all of a card payment. The form's own id is
    /// the request's id and the provider's idempotency key: a double submit is one refund. The
    /// total moves when the provider's refund event arrives.
    #[tracing::instrument(name = "request_refund", skip_all, fields(reference = donation.reference.as_str()))]
    pub async fn request_refund(
        &self,
        donation: &Donation,
        payment_id: &str,
        amount: Money,
        request_id: &str,
        actor: &Actor,
    ) -> Result<String, RefundError> {
        let payments = self.db.payments_for_donation(&donation.id).await?;
        let payment = payments
            .iter()
            .find(|payment| payment.id == payment_id)
            .ok_or(RefundError::NotFound)?;
        let payment_intent = payment
            .payment_intent_id
            .clone()
            .ok_or(RefundError::NotACardPayment)?;
        let refundable = payment
            .amount_minor
            .saturating_sub(payment.refunded_minor)
            .saturating_sub(payment.disputed_minor);
        if amount.minor == 0
            || amount.minor > refundable
            || amount.currency != donation.amount.currency
        {
            return Err(RefundError::TooMuch(Money::new(
                refundable,
                donation.amount.currency,
            )));
        }
        let stripe = self.payments.stripe().ok_or(RefundError::NoProvider)?;
        let request = NewRefundRequest {
            id: request_id.to_string(),
            donation_id: donation.id.clone(),
            payment_id: payment.id.clone(),
            amount_minor: amount.minor,
            requested_by: actor.email.clone(),
            requested_at: Timestamp::now(),
        };
        let audit = AuditEntry::new(actor, actions::REFUND_REQUESTED)
            .donation(&donation.id)
            .subject(format!("payment {}", payment.id))
            .change(
                Some(format!("refunded {}", payment.refunded_minor)),
                Some(format!("refund {}", amount.plain_decimal())),
            );
        if !self.db.insert_refund_request(&request, &audit).await? {
            // The same form again: the same request, whatever became of it.
            if let Some(earlier) = self.db.refund_request(request_id).await? {
                if let Some(refund_id) = earlier.provider_refund_id {
                    return Ok(refund_id);
                }
            }
        }
        match stripe
            .refund(
                &payment_intent,
                request.amount_minor,
                request_id,
                &donation.id,
            )
            .await
        {
            Ok(refund_id) => {
                self.db
                    .set_refund_result(request_id, Some(&refund_id), None)
                    .await?;
                tracing::info!("refund requested from the payment provider");
                Ok(refund_id)
            }
            Err(error) => {
                self.db
                    .set_refund_result(request_id, None, Some(&error.to_string()))
                    .await?;
                Err(error.into())
            }
        }
    }
}
