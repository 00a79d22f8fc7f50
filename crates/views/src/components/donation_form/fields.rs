//! The form's building blocks: labelled text fields, groups of radio choices and the amount
//! picker, each tying its hint and error to the input for screen readers.

use leptos::prelude::*;

use sharecare_content::i18n::{fill, Messages};
use sharecare_content::Content;
use sharecare_domain::form::DonationForm;

/// A labelled text input with its optional hint and its error, tied together for screen
/// readers (`aria-describedby`) and marked invalid when the error is present. The hint and error
/// elements' ids are the field's `name` (dashed) with `-hint` and `-error`, as the island expects.
#[component]
pub fn TextField(
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

/// One radio choice: its value, its label and an optional hint.
pub type Choice = (&'static str, &'static str, Option<&'static str>);

/// A group's radio buttons, each a labelled choice with an optional hint. The first option's
/// id is the group's own (`id_base`), which error messages link to; the others add their value.
pub fn radio_choices(
    name: &'static str,
    id_base: &'static str,
    chosen: &str,
    options: Vec<Choice>,
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

/// A fieldset of radio choices with its legend and its error.
#[component]
pub fn ChoiceGroup(
    legend: &'static str,
    /// `choice-row` (side by side) or `choice-column`.
    layout: &'static str,
    error_id: &'static str,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <fieldset class="choices" aria-describedby=error_id>
            <legend>{legend}</legend>
            <div class=layout>{children()}</div>
            <p class="field-error" id=error_id aria-live="polite">{error}</p>
        </fieldset>
    }
}

/// Whole currency units as a form value: 30_000 cents → "300".
pub fn major_units(minor: u64) -> String {
    (minor / 100).to_string()
}

/// The suggested amounts with what each achieves, and "other amount" with its input.
#[component]
pub fn AmountChoices(
    m: &'static Messages,
    locale: sharecare_domain::Locale,
    content: std::sync::Arc<Content>,
    form: DonationForm,
    error: Option<String>,
) -> impl IntoView {
    let currency = content.organisation.currency();
    let limits = content.amount_limits();
    let presets = content
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
    let limits_hint = fill(
        m.form_amount_hint,
        &[
            ("min", &content.money(limits.min_minor).to_string()),
            ("max", &content.money(limits.max_minor).to_string()),
        ],
    );
    let other_checked = form.amount == DonationForm::OTHER_AMOUNT;
    let invalid = error.is_some().then_some("true");
    view! {
        <fieldset class="amounts" aria-describedby="amount-hint amount-error">
            <legend>{m.form_amount_legend}</legend>
            <div class="amount-grid">
                {presets}
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
                        aria-invalid=invalid
                    />
                </div>
                <p class="hint" id="amount-hint">{limits_hint}</p>
                <p class="field-error" id="amount-error" aria-live="polite">{error}</p>
            </div>
        </fieldset>
    }
}
