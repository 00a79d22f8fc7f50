//! The donation widget as the server renders it: a plain HTML form that works with JavaScript
//! off. The `DonationEnhancer` island adds instant checks in the browser, reading the
//! translated messages from this markup, so no text is compiled into the WASM.

mod fields;
mod messages;
mod previous;

pub use messages::problem_message;

use leptos::prelude::*;

use fields::{described_by, major_units, radio_choices, AmountChoices, ChoiceGroup, TextField};
use messages::{ErrorSummary, HiddenMessages};
use previous::PreviousGift;
use sharecare_content::i18n::{fill, t, Messages};
use sharecare_content::paths;
use sharecare_content::Content;
use sharecare_domain::donation::{Donation, Frequency, PaymentMethod};
use sharecare_domain::donor::Receipt;
use sharecare_domain::form::inputs::{self, hidden};
use sharecare_domain::form::{DonationForm, Field, FieldError, GivingRules, Problem};
use sharecare_domain::identifiers::{FormToken, ReferralCode};
use sharecare_domain::money::parse_amount;
use sharecare_domain::tribute::TributeKind;
use sharecare_domain::Locale;
use sharecare_islands::DonationEnhancer;
use sharecare_services::state::AppState;

/// The visit's donation session, as the pages showing a form receive it: the form token to
/// use (one per donor for a while, so a form fetched again cannot give twice), the gift that
/// token already made, and the share code the visit came with.
#[derive(Debug, Clone)]
pub struct GiftSession {
    pub token: FormToken,
    pub previous: Option<Donation>,
    pub referral: Option<ReferralCode>,
}

/// What the form shows: the values to put back and what was wrong with them.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub form: DonationForm,
    pub errors: Vec<FieldError>,
    /// Why the whole form came back, when it is not one field's mistake.
    pub problem: Option<FormProblem>,
    /// The gift this form's token already made (the donor came back to the form).
    pub previous: Option<Donation>,
}

/// Why a form came back as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormProblem {
    /// The database could not take the gift just now; the donor can simply submit again.
    Unavailable,
    /// The gift is stored but the card checkout could not be started; submitting again
    /// reuses the same donation.
    CheckoutFailed,
    /// Over a rate limit: try again after this many minutes.
    TooMany { minutes: u64 },
    /// Sent back with the hidden field filled in, or without the form's own "shown at" note.
    Refused,
    /// Sent back within seconds of being shown (a browser that filled it in by itself): the
    /// donor only needs to look it over and send it again, which then goes through.
    CheckAgain,
    /// The form's token already made another gift (shown above the form).
    TokenUsed,
}

impl FormState {
    /// A fresh form: the content's default amount, one-off, the session's token, the visit's
    /// share code and `stamp`, the signed note of when it is shown (see `server::form_guard`).
    pub fn fresh(content: &Content, session: GiftSession, stamp: String) -> FormState {
        FormState {
            form: DonationForm {
                shown: stamp,
                frequency: Frequency::OneOff.as_str().into(),
                amount: major_units(content.giving.default_amount_minor_units),
                currency: content.organisation.currency().code().into(),
                receipt: Receipt::OWN_NAME.into(),
                token: session.token.as_str().into(),
                referral: session
                    .referral
                    .map(|code| code.as_str().to_string())
                    .unwrap_or_default(),
                ..DonationForm::default()
            },
            previous: session.previous,
            ..FormState::default()
        }
    }

    /// A fresh form preselected from a shared link's `?amount=500&frequency=monthly`. Values
    /// that do not parse are ignored: a bad link still opens a working form.
    pub fn prefilled(
        content: &Content,
        rules: GivingRules,
        session: GiftSession,
        stamp: String,
        amount: Option<&str>,
        frequency: Option<&str>,
    ) -> Self {
        let mut state = FormState::fresh(content, session, stamp);
        if let Some(frequency) = frequency.and_then(Frequency::parse) {
            state.form.frequency = frequency.as_str().into();
        }
        if let Some(money) =
            amount.and_then(|amount| parse_amount(amount, rules.currency, rules.limits).ok())
        {
            let is_preset = content
                .giving
                .presets
                .iter()
                .any(|preset| preset.amount_minor_units == money.minor);
            if is_preset {
                state.form.amount = major_units(money.minor);
            } else {
                state.form.amount = DonationForm::OTHER_AMOUNT.into();
                state.form.custom_amount = if money.minor % 100 == 0 {
                    major_units(money.minor)
                } else {
                    money.plain_decimal()
                };
            }
        }
        state
    }

    fn error(&self, field: Field) -> Option<Problem> {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.problem)
    }
}

/// The donation widget: one form, with the same choices, wherever it appears (home, the donate
/// page, every story, a partner's embed). An embedded form (`embedded`) submits to the top
/// window, so the checkout and the donor's gift page open as the site itself, never inside a
/// partner's frame.
#[component]
pub fn DonationWidget(
    locale: Locale,
    state: FormState,
    #[prop(optional)] embedded: bool,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let content = app.content.clone();
    let rules = app.donations.giving_rules();
    let m = t(locale);
    let currency = content.organisation.currency();
    let error_text = |field: Field| {
        state
            .error(field)
            .map(|problem| problem_message(m, problem, &content))
    };
    let FormState {
        form,
        errors,
        problem,
        previous,
    } = state.clone();

    let frequency_options = radio_choices(
        inputs::FREQUENCY,
        &form.frequency,
        Frequency::ALL
            .into_iter()
            .map(|frequency| {
                let label = match frequency {
                    Frequency::OneOff => m.form_one_off,
                    Frequency::Monthly => m.form_monthly,
                };
                (frequency.as_str(), label, None)
            })
            .collect(),
    );
    let receipts = vec![
        (Receipt::OWN_NAME, m.form_receipt_own, None),
        (Receipt::OTHER_NAME, m.form_receipt_other, None),
        (Receipt::COMPANY, m.form_receipt_company, None),
        (Receipt::NONE, m.form_receipt_none, None),
    ];
    let receipt_options = radio_choices(inputs::RECEIPT, &form.receipt, receipts);
    let company_fields = {
        view! {
            <TextField
                input=inputs::COMPANY_NAME
                autocomplete="organization"
                label=m.form_company_name_label
                value=form.company_name.clone()
                error=error_text(Field::CompanyName)
            />
            <TextField
                input=inputs::COMPANY_REGISTRATION
                autocomplete="off"
                label=m.form_company_registration_label
                value=form.company_registration.clone()
                error=error_text(Field::CompanyRegistration)
            />
        }
    };
    let tribute = tribute_fields(m, &form, &error_text);
    let cover_fee = rules
        .card_payments
        .then(|| cover_fee_field(m, &form, rules));
    // Where the gift came from, when this rendering knows (a story page, an embed, a link's
    // tags): the server also fills them from the visit's cookie.
    let attribution = [
        (hidden::STORY, &form.story),
        (hidden::PARTNER, &form.partner),
        (hidden::UTM_SOURCE, &form.utm_source),
        (hidden::UTM_MEDIUM, &form.utm_medium),
        (hidden::UTM_CAMPAIGN, &form.utm_campaign),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| view! { <input type="hidden" name=name value=value.clone()/> })
    .collect_view();
    let receipt_name_error = error_text(Field::ReceiptName);
    let method_error = error_text(Field::PaymentMethod);
    let method = form.payment_method.clone();
    let method_choice = if rules.card_payments {
        view! {
            <ChoiceGroup legend=m.form_method_legend layout="choice-column" input=inputs::PAYMENT_METHOD error=method_error>
                {method_options(m, &method)}
            </ChoiceGroup>
        }
        .into_any()
    } else if app.donations.cards_paused() {
        // The card-testing breaker tripped: transfers only, and the donor is told why.
        view! { <p class="form-note" role="status">{m.form_cards_paused}</p> }.into_any()
    } else {
        ().into_any()
    };
    let amount_error = error_text(Field::Amount).or_else(|| error_text(Field::Currency));
    let frequency_error = error_text(Field::Frequency);
    let email_error = error_text(Field::Email);
    let name_error = error_text(Field::Name);
    let receipt_error = error_text(Field::Receipt);
    let token_error = error_text(Field::Token);
    let receipt = inputs::RECEIPT;

    view! {
        {previous.map(|gift| view! { <PreviousGift locale gift/> })}
        <DonationEnhancer>
            <form
                class="donation-form"
                method="post"
                action=paths::donate(locale)
                target=embedded.then_some("_top")
                novalidate
                data-min-minor=rules.limits.min_minor.to_string()
                data-max-minor=rules.limits.max_minor.to_string()
                data-card-payments=rules.card_payments.then_some("")
                data-fee-bp=rules.card_fee.basis_points.to_string()
                data-fee-fixed=rules.card_fee.fixed_minor.to_string()
            >
                <HiddenMessages m content=content.clone()/>
                <ErrorSummary m content=content.clone() errors problem/>
                <input type="hidden" name=inputs::TOKEN.name value=form.token.clone()/>
                <input type="hidden" name=hidden::SHOWN value=form.shown.clone()/>
                <input type="hidden" name=inputs::CURRENCY.name value=currency.code()/>
                <input type="hidden" name=hidden::REFERRAL value=form.referral.clone()/>
                {attribution}

                <ChoiceGroup legend=m.form_frequency_legend layout="choice-row" input=inputs::FREQUENCY error=frequency_error>
                    {frequency_options}
                </ChoiceGroup>

                <AmountChoices m locale content=content.clone() form=form.clone() error=amount_error/>
                {cover_fee}

                <TextField
                    input=inputs::EMAIL
                    input_type="email"
                    required=true
                    autocomplete="email"
                    label=m.form_email_label
                    hint=m.form_email_hint
                    value=form.email.clone()
                    error=email_error
                />
                <TextField
                    input=inputs::NAME
                    autocomplete="name"
                    label=m.form_name_label
                    hint=m.form_name_hint
                    value=form.name.clone()
                    error=name_error
                />

                <fieldset class="choices" aria-describedby=described_by(receipt.hint_id, receipt.error_id)>
                    <legend>{m.form_receipt_legend}</legend>
                    <p class="hint" id=receipt.hint_id>{m.form_receipt_hint}</p>
                    <div class="choice-column">{receipt_options}</div>
                    <p class="field-error" id=receipt.error_id aria-live="polite">{receipt_error}</p>
                    <TextField
                        input=inputs::RECEIPT_NAME
                        autocomplete="off"
                        label=m.form_receipt_name_label
                        value=form.receipt_name.clone()
                        error=receipt_name_error
                    />
                    {company_fields}
                </fieldset>

                {tribute}

                <div class="field checkbox">
                    <input
                        type="checkbox"
                        id=inputs::MARKETING.id
                        name=inputs::MARKETING.name
                        value="yes"
                        checked=form.marketing.is_some()
                    />
                    <label for=inputs::MARKETING.id>{m.form_marketing_label}</label>
                </div>

                {method_choice}

                <p class="privacy-note">
                    {m.form_privacy_note}" "
                    <a href=paths::privacy(locale)>{m.privacy_link}</a>
                </p>

                // People never see this field; programs that fill every field do.
                <div class="trap" aria-hidden="true">
                    <label for=inputs::HOMEPAGE.id>{m.form_trap_label}</label>
                    <input type="text" id=inputs::HOMEPAGE.id name=inputs::HOMEPAGE.name tabindex="-1" autocomplete="off" value=""/>
                </div>

                <button type="submit" class="button" id=inputs::SUBMIT_ID>{m.form_submit}</button>
                <p class="field-error" id=inputs::TOKEN.error_id aria-live="polite">{token_error}</p>
            </form>
        </DonationEnhancer>
    }
}

/// "Cover the fee": a box, unticked, with the exact fee for the amount chosen (the island
/// keeps the figure up to date as the amount changes, with the same function the server
/// charges with) and the rate.
fn cover_fee_field(
    m: &'static Messages,
    form: &DonationForm,
    rules: GivingRules,
) -> impl IntoView + use<> {
    let fee = form
        .fee_preview(rules)
        .map(|fee| fee.to_string())
        .unwrap_or_default();
    let (before, after) = m
        .form_cover_fee_label
        .split_once("{fee}")
        .unwrap_or((m.form_cover_fee_label, ""));
    let rate = fill(
        m.form_cover_fee_hint,
        &[("rate", &rules.card_fee.describe(rules.currency))],
    );
    let input = inputs::COVER_FEE;
    view! {
        <div class="field checkbox cover-fee">
            <input
                type="checkbox"
                id=input.id
                name=input.name
                value="yes"
                checked=form.cover_fee.is_some()
                aria-describedby=input.hint_id
            />
            <label for=input.id>{before}<strong id=inputs::FEE_FIGURE_ID>{fee}</strong>{after}</label>
            <p class="hint" id=input.hint_id>{rate}</p>
        </div>
    }
}

/// In honour or in memory of someone, and whom to tell: folded away until opened (open when
/// the form comes back with a tribute).
fn tribute_fields(
    m: &'static Messages,
    form: &DonationForm,
    error_text: &dyn Fn(Field) -> Option<String>,
) -> impl IntoView + use<> {
    let mut kinds = vec![("", m.form_tribute_none, None)];
    for kind in TributeKind::ALL {
        let label = match kind {
            TributeKind::Honour => m.form_tribute_honour,
            TributeKind::Memory => m.form_tribute_memory,
        };
        kinds.push((kind.as_str(), label, None));
    }
    let chosen = form.tribute.trim().to_string();
    let open = !chosen.is_empty();
    let message_error = error_text(Field::TributeMessage);
    let message_invalid = message_error.is_some().then_some("true");
    let (message, notify, notify_amount) = (
        inputs::TRIBUTE_MESSAGE,
        inputs::NOTIFY,
        inputs::NOTIFY_AMOUNT,
    );
    view! {
        <details class="extra" open=open>
            <summary>{m.form_tribute_summary}</summary>
            <ChoiceGroup legend=m.form_tribute_legend layout="choice-column" input=inputs::TRIBUTE error=error_text(Field::Tribute)>
                {radio_choices(inputs::TRIBUTE, &chosen, kinds)}
            </ChoiceGroup>
            <TextField
                input=inputs::HONOREE_NAME
                autocomplete="off"
                label=m.form_honoree_label
                value=form.honoree_name.clone()
                error=error_text(Field::HonoreeName)
            />
            <div class="field">
                <label for=message.id>{m.form_tribute_message_label}</label>
                <textarea
                    id=message.id
                    name=message.name
                    rows="3"
                    maxlength=message.max_length.map(|length| length.to_string())
                    aria-describedby=message.error_id
                    aria-invalid=message_invalid
                >{form.tribute_message.clone()}</textarea>
                <p class="field-error" id=message.error_id aria-live="polite">{message_error}</p>
            </div>
            <div class="field checkbox">
                <input type="checkbox" id=notify.id name=notify.name value="yes" checked=form.notify.is_some() aria-describedby=notify.hint_id/>
                <label for=notify.id>{m.form_notify_label}</label>
                <p class="hint" id=notify.hint_id>{m.form_notify_hint}</p>
            </div>
            <TextField
                input=inputs::NOTIFY_NAME
                autocomplete="off"
                label=m.form_notify_name_label
                value=form.notify_name.clone()
                error=error_text(Field::NotifyName)
            />
            <TextField
                input=inputs::NOTIFY_EMAIL
                input_type="email"
                autocomplete="off"
                label=m.form_notify_email_label
                value=form.notify_email.clone()
                error=error_text(Field::NotifyEmail)
            />
            <div class="field checkbox">
                <input type="checkbox" id=notify_amount.id name=notify_amount.name value="yes" checked=form.notify_amount.is_some()/>
                <label for=notify_amount.id>{m.form_notify_amount_label}</label>
            </div>
        </details>
    }
}

/// Card (the default) or transfer, asked only when card payments are on.
fn method_options(m: &'static Messages, chosen: &str) -> impl IntoView {
    let chosen = match chosen {
        "" => PaymentMethod::Card.as_str(),
        other => other,
    };
    radio_choices(
        inputs::PAYMENT_METHOD,
        chosen,
        PaymentMethod::ALL
            .into_iter()
            .map(|method| {
                let (label, hint) = match method {
                    PaymentMethod::Card => (m.form_method_card, m.form_method_card_hint),
                    PaymentMethod::Offline => (m.form_method_offline, m.form_method_offline_hint),
                };
                (method.as_str(), label, Some(hint))
            })
            .collect(),
    )
}
