//! The donation widget as the server renders it: a plain HTML form that works with JavaScript
//! off. The `DonationEnhancer` island adds instant checks in the browser, reading the
//! translated messages from this markup, so no text is compiled into the WASM.

use leptos::prelude::*;

use crate::content::Content;
use crate::domain::donation::{DonationForm, Field, FieldError, Frequency, PaymentMethod, Problem};
use crate::domain::money::{parse_amount, AmountLimits};
use crate::domain::Locale;
use crate::i18n::{fill, t, Messages};
use crate::islands::DonationEnhancer;
use crate::server::db::DonationRow;
use crate::server::giving::{thank_you_path, GiftSession};
use crate::server::state::AppState;

/// What the form shows: the values to put back and what was wrong with them.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub form: DonationForm,
    pub errors: Vec<FieldError>,
    /// The database could not take the gift just now; the donor can simply submit again.
    pub unavailable: bool,
    /// The gift is stored but the card checkout could not be started; submitting again
    /// reuses the same donation.
    pub checkout_failed: bool,
    /// The gift this form's token already made (the donor came back to the form).
    pub previous: Option<DonationRow>,
}

impl FormState {
    /// A fresh form: the content's default amount, one-off, and the request's form token
    /// (see `server::giving::gift_session`).
    pub fn fresh(content: &Content, session: GiftSession) -> FormState {
        FormState {
            form: DonationForm {
                frequency: Frequency::OneOff.as_str().into(),
                amount: major_units(content.giving.default_amount_minor_units),
                currency: content.organisation.currency().code().into(),
                receipt: "own_name".into(),
                token: session.token.as_str().into(),
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
        session: GiftSession,
        amount: Option<&str>,
        frequency: Option<&str>,
    ) -> Self {
        let mut state = FormState::fresh(content, session);
        if let Some(frequency) = frequency.and_then(Frequency::parse) {
            state.form.frequency = frequency.as_str().into();
        }
        let rules = content.giving_rules();
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

/// Whole currency units as a form value: 30_000 cents → "300".
fn major_units(minor: u64) -> String {
    (minor / 100).to_string()
}

/// The message for a problem, in the reader's language, with the content's limits filled in.
pub fn problem_message(m: &Messages, problem: Problem, content: &Content) -> String {
    use crate::domain::donation::{EmailError, NameError};
    use crate::domain::money::AmountError;
    let AmountLimits {
        min_minor,
        max_minor,
    } = content.giving_rules().limits;
    let (min, max) = (
        content.money(min_minor).to_string(),
        content.money(max_minor).to_string(),
    );
    let template = match problem {
        Problem::FrequencyUnknown => m.error_frequency,
        Problem::Amount(AmountError::Missing) => m.error_amount_missing,
        Problem::Amount(AmountError::NotANumber) => m.error_amount_not_a_number,
        Problem::Amount(AmountError::TooPrecise) => m.error_amount_too_precise,
        Problem::Amount(AmountError::BelowMinimum) => m.error_amount_below_minimum,
        Problem::Amount(AmountError::AboveMaximum) => m.error_amount_above_maximum,
        Problem::CurrencyUnknown => m.error_currency,
        Problem::Email(EmailError::Missing) => m.error_email_missing,
        Problem::Email(EmailError::TooLong) => m.error_email_too_long,
        Problem::Email(EmailError::Invalid) => m.error_email_invalid,
        Problem::Name(NameError::TooLong) | Problem::ReceiptName(NameError::TooLong) => {
            m.error_name_too_long
        }
        Problem::Name(NameError::Invalid | NameError::Missing)
        | Problem::ReceiptName(NameError::Invalid) => m.error_name_invalid,
        Problem::NameNeededForReceipt => m.error_name_needed_for_receipt,
        Problem::ReceiptUnknown => m.error_receipt,
        Problem::ReceiptName(NameError::Missing) => m.error_receipt_name_missing,
        Problem::PaymentMethodUnknown => m.error_payment_method,
        Problem::PaymentMethodUnavailable => m.error_payment_method_unavailable,
        Problem::TokenMissing => m.error_token,
    };
    fill(template, &[("min", &min), ("max", &max)])
}

/// The id of the element a field's error is linked to (and focused from the error summary).
fn field_id(field: Field) -> &'static str {
    match field {
        Field::Frequency => "donate-frequency",
        Field::Amount | Field::Currency => "donate-amount",
        Field::Email => "donate-email",
        Field::Name => "donate-name",
        Field::Receipt => "donate-receipt",
        Field::ReceiptName => "donate-receipt-name",
        Field::PaymentMethod => "donate-method",
        Field::Token => "donate-submit",
    }
}

/// A group's radio buttons, each a labelled choice with an optional hint. The first option's
/// id is the group's own (`id_base`), which error messages link to; the others add their value.
fn radio_choices(
    name: &'static str,
    id_base: &'static str,
    chosen: &str,
    options: Vec<(&'static str, &'static str, Option<&'static str>)>,
) -> impl IntoView {
    options
        .into_iter()
        .enumerate()
        .map(|(i, (value, label, hint))| {
            let id = if i == 0 {
                id_base.to_string()
            } else {
                format!("{id_base}-{value}")
            };
            let label_for = id.clone();
            let hint = hint.map(|hint| view! { <span class="choice-hint">{hint}</span> });
            view! {
                <label class="choice" for=label_for>
                    <input type="radio" name=name id=id value=value checked=chosen == value/>
                    <span>{label}{hint}</span>
                </label>
            }
        })
        .collect_view()
}

#[component]
pub fn DonationWidget(locale: Locale, state: FormState) -> impl IntoView {
    let app = expect_context::<AppState>();
    let content = app.content.clone();
    let m = t(locale);
    let currency = content.organisation.currency();
    let rules = content.giving_rules();
    let form = state.form.clone();

    // Every message the browser may need, keyed by problem code (see the island).
    let messages = Problem::ALL
        .iter()
        .map(|problem| {
            view! { <span data-code=problem.code()>{problem_message(m, *problem, &content)}</span> }
        })
        .collect_view();

    let error_text = |field: Field| {
        state
            .error(field)
            .map(|problem| problem_message(m, problem, &content))
    };
    let summary_items: Vec<_> = state
        .errors
        .iter()
        .map(|error| {
            let message = problem_message(m, error.problem, &content);
            view! { <li><a href=format!("#{}", field_id(error.field))>{message}</a></li> }
        })
        .collect();
    let summary =
        (!state.errors.is_empty() || state.unavailable || state.checkout_failed).then(|| {
            let heading = if state.checkout_failed {
                m.form_checkout_failed.to_string()
            } else if state.unavailable {
                m.form_unavailable.to_string()
            } else {
                fill(
                    m.form_error_summary,
                    &[("count", &state.errors.len().to_string())],
                )
            };
            view! {
                <div class="form-summary" role="alert" tabindex="-1" id="donate-summary">
                    <h3>{heading}</h3>
                    <ul>{summary_items}</ul>
                </div>
            }
        });

    let frequency_options = radio_choices(
        "frequency",
        "donate-frequency",
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

    let preset_options = content
        .giving
        .presets
        .iter()
        .enumerate()
        .map(|(i, preset)| {
            let value = major_units(preset.amount_minor_units);
            let id = if i == 0 {
                "donate-amount".to_string()
            } else {
                format!("donate-amount-{value}")
            };
            let checked = form.amount == value;
            let label_for = id.clone();
            view! {
                <label class="amount-option" for=label_for>
                    <input type="radio" name="amount" id=id value=value checked=checked/>
                    <span class="amount-figure">
                        {content.money(preset.amount_minor_units).to_string()}
                    </span>
                    <span class="amount-impact">{preset.impact.get(locale).clone()}</span>
                </label>
            }
        })
        .collect_view();

    let receipt_options = radio_choices(
        "receipt",
        "donate-receipt",
        &form.receipt,
        vec![
            ("own_name", m.form_receipt_own, None),
            ("other_name", m.form_receipt_other, None),
            ("none", m.form_receipt_none, None),
        ],
    );

    // With card payments on, the donor picks card (the default) or transfer; without, every
    // gift is a transfer and the form does not ask.
    let card_payments = app.payments.card_payments();
    let method_error = error_text(Field::PaymentMethod);
    let method_choice = card_payments.then(|| {
        let chosen = match form.payment_method.as_str() {
            "" => PaymentMethod::Card.as_str(),
            other => other,
        };
        let options = radio_choices(
            "payment_method",
            "donate-method",
            chosen,
            PaymentMethod::ALL
                .into_iter()
                .map(|method| {
                    let (label, hint) = match method {
                        PaymentMethod::Card => (m.form_method_card, m.form_method_card_hint),
                        PaymentMethod::Offline => {
                            (m.form_method_offline, m.form_method_offline_hint)
                        }
                    };
                    (method.as_str(), label, Some(hint))
                })
                .collect(),
        );
        view! {
            <fieldset class="choices" aria-describedby="method-error">
                <legend>{m.form_method_legend}</legend>
                <div class="choice-column">{options}</div>
                <p class="field-error" id="method-error" aria-live="polite">{method_error.clone()}</p>
            </fieldset>
        }
    });
    let amount_error = error_text(Field::Amount).or_else(|| error_text(Field::Currency));
    let email_error = error_text(Field::Email);
    let name_error = error_text(Field::Name);
    let receipt_error = error_text(Field::Receipt);
    let receipt_name_error = error_text(Field::ReceiptName);
    let frequency_error = error_text(Field::Frequency);
    let token_error = error_text(Field::Token);
    let invalid = |error: &Option<String>| error.is_some().then_some("true");
    let limits_hint = fill(
        m.form_amount_hint,
        &[
            ("min", &content.money(rules.limits.min_minor).to_string()),
            ("max", &content.money(rules.limits.max_minor).to_string()),
        ],
    );
    let other_checked = form.amount == DonationForm::OTHER_AMOUNT;

    let previous = state.previous.as_ref().map(|gift| {
        let amount = content
            .money(u64::try_from(gift.amount_minor).unwrap_or(0))
            .to_string();
        view! {
            <div class="previous-gift" role="status">
                <p>
                    {fill(m.previous_gift, &[("amount", &amount), ("reference", &gift.reference)])}
                    " "
                    <a href=thank_you_path(locale, &gift.reference, &gift.access_key)>{m.previous_gift_view}</a>
                </p>
                <p>
                    {m.previous_gift_again}" "
                    <a href=format!("/{}/donate?new_gift=1", locale.code())>{m.previous_gift_new}</a>
                </p>
            </div>
        }
    });

    view! {
        {previous}
        <DonationEnhancer>
            <form
                class="donation-form"
                method="post"
                action=format!("/{}/donate", locale.code())
                novalidate
                data-min-minor=rules.limits.min_minor.to_string()
                data-max-minor=rules.limits.max_minor.to_string()
                data-card-payments=card_payments.then_some("")
            >
                <div class="form-messages" hidden>{messages}</div>
                {summary}
                <input type="hidden" name="token" value=form.token.clone()/>
                <input type="hidden" name="currency" value=currency.code()/>
                <input type="hidden" name="referral" value=form.referral.clone()/>

                <fieldset class="choices" aria-describedby="frequency-error">
                    <legend>{m.form_frequency_legend}</legend>
                    <div class="choice-row">{frequency_options}</div>
                    <p class="field-error" id="frequency-error" aria-live="polite">{frequency_error}</p>
                </fieldset>

                <fieldset class="amounts" aria-describedby="amount-hint amount-error">
                    <legend>{m.form_amount_legend}</legend>
                    <div class="amount-grid">
                        {preset_options}
                        <label class="amount-option amount-other" for="donate-amount-other">
                            <input
                                type="radio"
                                name="amount"
                                id="donate-amount-other"
                                value=DonationForm::OTHER_AMOUNT
                                checked=other_checked
                            />
                            <span class="amount-figure">{m.form_amount_other}</span>
                        </label>
                    </div>
                    <div class="field">
                        <label for="donate-custom-amount">
                            {fill(m.form_custom_amount_label, &[("currency", currency.code())])}
                        </label>
                        <div class="money-input">
                            <span class="money-symbol" aria-hidden="true">{currency.symbol()}</span>
                            <input
                                type="text"
                                id="donate-custom-amount"
                                name="custom_amount"
                                inputmode="decimal"
                                autocomplete="off"
                                value=form.custom_amount.clone()
                                aria-describedby="amount-hint amount-error"
                                aria-invalid=invalid(&amount_error)
                            />
                        </div>
                        <p class="hint" id="amount-hint">{limits_hint}</p>
                        <p class="field-error" id="amount-error" aria-live="polite">{amount_error.clone()}</p>
                    </div>
                </fieldset>

                <TextField
                    id="donate-email"
                    name="email"
                    input_type="email"
                    required=true
                    autocomplete="email"
                    max_length=254
                    label=m.form_email_label
                    hint=m.form_email_hint
                    value=form.email.clone()
                    error=email_error
                />
                <TextField
                    id="donate-name"
                    name="name"
                    autocomplete="name"
                    max_length=100
                    label=m.form_name_label
                    hint=m.form_name_hint
                    value=form.name.clone()
                    error=name_error
                />

                <fieldset class="choices" aria-describedby="receipt-hint receipt-error">
                    <legend>{m.form_receipt_legend}</legend>
                    <p class="hint" id="receipt-hint">{m.form_receipt_hint}</p>
                    <div class="choice-column">{receipt_options}</div>
                    <p class="field-error" id="receipt-error" aria-live="polite">{receipt_error}</p>
                    <TextField
                        id="donate-receipt-name"
                        name="receipt_name"
                        autocomplete="off"
                        max_length=100
                        label=m.form_receipt_name_label
                        value=form.receipt_name.clone()
                        error=receipt_name_error
                    />
                </fieldset>

                <div class="field checkbox">
                    <input
                        type="checkbox"
                        id="donate-marketing"
                        name="marketing"
                        value="yes"
                        checked=form.marketing.is_some()
                    />
                    <label for="donate-marketing">{m.form_marketing_label}</label>
                </div>

                {method_choice}

                <p class="privacy-note">
                    {m.form_privacy_note}" "
                    <a href=format!("/{}/privacy", locale.code())>{m.privacy_link}</a>
                </p>

                <button type="submit" class="button" id="donate-submit">{m.form_submit}</button>
                <p class="field-error" id="token-error" aria-live="polite">{token_error}</p>
            </form>
        </DonationEnhancer>
    }
}

/// A labelled text input with its optional hint and its error, tied together for screen
/// readers (`aria-describedby`) and marked invalid when the error is present. The hint and error
/// elements' ids are the field's `name` (dashed) with `-hint` and `-error`, as the island expects.
#[component]
fn TextField(
    id: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] required: bool,
    autocomplete: &'static str,
    max_length: u32,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let stem = name.replace('_', "-");
    let hint_id = format!("{stem}-hint");
    let error_id = format!("{stem}-error");
    let described_by = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    let invalid = error.is_some().then_some("true");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                type=input_type
                id=id
                name=name
                autocomplete=autocomplete
                required=required
                maxlength=max_length.to_string()
                value=value
                aria-describedby=described_by
                aria-invalid=invalid
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id aria-live="polite">{error}</p>
        </div>
    }
}
