//! Donors looking after their own gifts, without a password, one job per file: signing in with
//! a code and a link by email (`sign_in`); their gifts as they see them and the changes they
//! ask for (`gifts`); what is held about them, to download or delete (`data`); receipts' PDFs,
//! yearly summaries and checking a receipt (`documents`); and the background sweeps
//! (`sweeps`). The service returns view types of its own (`GiftView` and its parts), never
//! database rows, and keeps its database to itself (the session layer gets a store).

mod data;
mod documents;
mod gifts;
mod sign_in;
mod sweeps;

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::limits::Limits;
use crate::mailer::Mailer;
use crate::payment::Payments;
use crate::receipts::documents::ReceiptSeal;
use crate::sessions::DatabaseSessionStore;
use sharecare_content::Content;
use sharecare_db::{Database, SessionTable};

pub use data::{
    ChangeData, DonorData, EraseError, GiftData, MessageData, PaymentData, ReceiptData,
    StatementLineData,
};
pub use documents::{SummaryView, Verified};
pub use gifts::{
    ChangeError, ChangeOutcome, ChangeRequest, ChangeView, ConsentView, GiftView, PaymentView,
    ReceiptView,
};
pub use sign_in::{SignInRefusal, SIGN_IN_VALID};

/// Cheap to clone (handles and keys), so background work can carry its own.
#[derive(Clone)]
pub struct Donors {
    db: Database,
    content: Arc<Content>,
    payments: Arc<Payments>,
    limits: Arc<Limits>,
    mailer: Arc<Mailer>,
    /// Keys the hashes of codes and links (a leaked table reveals none of them).
    key: Vec<u8>,
    seal: ReceiptSeal,
    public_base_url: String,
}

impl Donors {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: Database,
        content: Arc<Content>,
        payments: Arc<Payments>,
        limits: Arc<Limits>,
        mailer: Arc<Mailer>,
        key: &[u8],
        seal: ReceiptSeal,
        public_base_url: &str,
    ) -> Donors {
        Donors {
            db,
            content,
            payments,
            limits,
            mailer,
            key: key.to_vec(),
            seal,
            public_base_url: public_base_url.to_string(),
        }
    }

    /// Where donors' sessions are kept (the session layer's store).
    pub fn session_store(&self) -> DatabaseSessionStore {
        DatabaseSessionStore::new(self.db.clone(), SessionTable::Donor)
    }

    fn hash(&self, purpose: &str, secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{purpose}\n{secret}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
