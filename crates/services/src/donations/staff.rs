//! What staff do to donations: confirm a transfer (by hand or from a bank statement line),
//! import and work through a bank statement, and ask the payment provider for a refund. Every
//! action is written to the audit log in the same transaction as its change.

use super::Donations;
use crate::payment::ProviderError;
use crate::staff::actions;
use crate::statements::{
    self, Columns, ImportSummary, Mapping, Proposal, ReviewLine, RowProblem, StatementError,
};
use sharecare_db::{
    Actor, AuditEntry, DbError, NewPayment, NewRefundRequest, StatementImport, StatementLine,
    StatementMapping,
};
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::identifiers::Reference;
use sharecare_domain::money::Money;
use sharecare_domain::secrets::random_hex;
use sharecare_domain::status::{DonationStatus, StatusError, Transition};
use sharecare_domain::time::Timestamp;

/// A transfer staff confirm.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    pub reference: &'a Reference,
    /// What arrived (may differ from the pledge, with `accept_difference`).
    pub received: Money,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The statement line it was seen on, if any (applied once, with the payment).
    pub statement_line: Option<&'a str>,
    /// Staff saw the amount differs from the pledge and confirm what arrived.
    pub accept_difference: bool,
    pub actor: &'a Actor,
}

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
    /// Confirms a transfer: records the payment (what arrived, when it arrived), queues its
    /// receipt, writes the audit entry, all at once; then totals and pages move. A one-off
    /// pledge is paid once however often it is confirmed; a monthly one once a month.
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
        match donation.status.mark_paid() {
            Err(StatusError::Closed(status)) => return Err(ConfirmError::Closed(status)),
            // A one-off gift already paid: nothing more to record.
            Ok(Transition::Unchanged) if donation.frequency == Frequency::OneOff => {
                return Ok(Transition::Unchanged)
            }
            Ok(_) => {}
        }
        if transfer.received.currency != donation.amount.currency {
            return Err(ConfirmError::Currency(donation.amount.currency.code()));
        }
        if transfer.received != donation.charged() && !transfer.accept_difference {
            return Err(ConfirmError::AmountDiffers {
                expected: donation.charged(),
                received: transfer.received,
            });
        }
        let payment = NewPayment {
            id: random_hex::<16>(),
            donation_id: donation.id.clone(),
            source_id: statements::transfer_source_id(&donation, transfer.received_at),
            payment_intent_id: None,
            amount: transfer.received,
            paid_at: transfer.received_at,
            subscription_id: None,
            fee_minor: None,
            receipt_id: donation.receipt.wanted().then(random_hex::<16>),
        };
        let audit = AuditEntry::new(transfer.actor, actions::CONFIRM_TRANSFER)
            .donation(&donation.id)
            .subject(transfer.statement_line.map_or_else(
                || "by hand".to_string(),
                |line| format!("statement line {line}"),
            ))
            .change(
                Some(donation.status.as_str().to_string()),
                Some(format!("paid {}", transfer.received.plain_decimal())),
            );
        if !self
            .db
            .record_staff_payment(&payment, transfer.statement_line, &audit)
            .await?
        {
            return Ok(Transition::Unchanged);
        }
        tracing::info!("transfer confirmed");
        metrics::counter!("sharecare_payments_total").increment(1);
        self.payment_recorded(&donation.id).await;
        if let Err(error) = self.apply_waiting_changes().await {
            crate::warn_throttled!("after-confirm", %error, "cannot apply waiting changes; the sweep will");
        }
        Ok(Transition::Changed)
    }

    /// Stores an uploaded statement and reads it if its layout is known.
    pub async fn import_statement(
        &self,
        file_name: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<Imported, MappingError> {
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
        let lines = statements::lines(table, mapping, currency).map_err(MappingError::Rows)?;
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
        let candidates = self.db.transfer_candidates().await?;
        let proposals = statements::propose(&lines, &candidates);
        Ok(Some((import, lines.into_iter().zip(proposals).collect())))
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
            if self.confirm_line_as(line, donation, false, actor).await? == Transition::Changed {
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    /// Confirms one line as paying the pledge with `reference` (staff chose or checked it).
    pub async fn confirm_statement_line(
        &self,
        line_id: &str,
        reference: &Reference,
        accept_difference: bool,
        actor: &Actor,
    ) -> Result<Transition, ConfirmError> {
        let line = self
            .db
            .statement_line(line_id)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        let donation = self
            .db
            .donation_by_reference(reference)
            .await?
            .ok_or(ConfirmError::NotFound)?;
        self.confirm_line_as(&line, &donation, accept_difference, actor)
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
            statement_line: Some(&line.id),
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
