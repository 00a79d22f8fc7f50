//! The form's building blocks: labelled text fields, groups of radio choices and the amount
//! picker, each tying its hint and error to the input for screen readers.

use leptos::prelude::*;

use crate::content::Content;
use crate::domain::form::inputs::{self, Input};
use crate::domain::form::DonationForm;
use crate::i18n::{fill, Messages};

/// The `aria-describedby` of an input or a group: its hint (when shown) and its error element.
pub fn described_by(
    hint_id: Option<&'static str>,
    error_id: Option<&'static str>,
) -> Option<String> {
    match (hint_id, error_id) {
        (Some(hint), Some(error)) => Some(format!("{hint} {error}")),
        (one, other) => one.or(other).map(str::to_string),
    }
}

/// A labelled text input with its optional hint and its error, tied together for screen
/// readers (`aria-describedby`) and marked invalid when the error is present. Its name, id,
/// hint and error ids and its `maxlength` are the [`Input`]'s, as the island expects.
#[component]
pub fn TextField(
    input: Input,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] required: bool,
    autocomplete: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let hint = hint.zip(input.hint_id);
    let invalid = error.is_some().then_some("true");
    view! {
        <div class="field">
            <label for=input.id>{label}</label>
            <input
                type=input_type
                id=input.id
                name=input.name
                autocomplete=autocomplete
                required=required
                maxlength=input.max_length.map(|length| length.to_string())
                value=value
                aria-describedby=described_by(hint.map(|(_, id)| id), input.error_id)
                aria-invalid=invalid
            />
            {hint.map(|(hint, id)| view! { <p class="hint" id=id>{hint}</p> })}
            <p class="field-error" id=input.error_id aria-live="polite">{error}</p>
        </div>
    }
}

/// One radio choice: its value, its label and an optional hint.
pub type Choice = (&'static str, &'static str, Option<&'static str>);

/// A group's radio buttons, each a labelled choice with an optional hint. The first option's
/// id is the group's own (`input.id`), which error messages link to; the others add their value.
pub fn radio_choices(input: Input, chosen: &str, options: Vec<Choice>) -> impl IntoView {
    let name = input.name;
    options
        .into_iter()
        .enumerate()
        .map(|(i, (value, label, hint))| {
            let id = if i == 0 {
                input.id.to_string()
            } else {
                format!("{}-{value}", input.id)
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

/// A fieldset of radio choices with its legend and its error (the group's [`Input`]'s).
#[component]
pub fn ChoiceGroup(
    legend: &'static str,
    /// `choice-row` (side by side) or `choice-column`.
    layout: &'static str,
    input: Input,
    error: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <fieldset class="choices" aria-describedby=input.error_id>
            <legend>{legend}</legend>
            <div class=layout>{children()}</div>
            <p class="field-error" id=input.error_id aria-live="polite">{error}</p>
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
    locale: crate::domain::Locale,
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
                inputs::AMOUNT.id.to_string()
            } else {
                format!("{}-{value}", inputs::AMOUNT.id)
            };
            let checked = form.amount == value;
            let label_for = id.clone();
            view! {
                <label class="amount-option" for=label_for>
                    <input type="radio" name=inputs::AMOUNT.name id=id value=value checked=checked/>
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
    let (amount, custom) = (inputs::AMOUNT, inputs::CUSTOM_AMOUNT);
    view! {
        <fieldset class="amounts" aria-describedby=described_by(amount.hint_id, amount.error_id)>
            <legend>{m.form_amount_legend}</legend>
            <div class="amount-grid">
                {presets}
                <label class="amount-option amount-other" for=inputs::OTHER_AMOUNT_ID>
                    <input
                        type="radio"
                        name=amount.name
                        id=inputs::OTHER_AMOUNT_ID
                        value=DonationForm::OTHER_AMOUNT
                        checked=other_checked
                    />
                    <span class="amount-figure">{m.form_amount_other}</span>
                </label>
            </div>
            <div class="field">
                <label for=custom.id>
                    {fill(m.form_custom_amount_label, &[("currency", currency.code())])}
                </label>
                <div class="money-input">
                    <span class="money-symbol" aria-hidden="true">{currency.symbol()}</span>
                    <input
                        type="text"
                        id=custom.id
                        name=custom.name
                        inputmode="decimal"
                        autocomplete="off"
                        value=form.custom_amount.clone()
                        aria-describedby=described_by(custom.hint_id, custom.error_id)
                        aria-invalid=invalid
                    />
                </div>
                <p class="hint" id=custom.hint_id>{limits_hint}</p>
                <p class="field-error" id=custom.error_id aria-live="polite">{error}</p>
            </div>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_field_ties_its_hint_and_error_to_the_input() {
        let html = view! {
            <TextField
                input=inputs::EMAIL
                input_type="email"
                autocomplete="email"
                label="Email"
                hint="For the receipt"
                value=String::new()
                error=Some("Enter an email address".to_string())
            />
        }
        .to_html();
        for expected in [
            r#"id="donate-email" name="email""#,
            r#"maxlength="254""#,
            r#"aria-describedby="email-hint email-error" aria-invalid="true""#,
            r#"<p id="email-hint" class="hint">For the receipt</p>"#,
            r#"<p id="email-error" aria-live="polite" class="field-error">Enter an email address</p>"#,
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }

    #[test]
    fn a_group_of_choices_names_its_buttons_after_the_first() {
        let html = view! {
            <ChoiceGroup legend="Receipt" layout="choice-column" input=inputs::PAYMENT_METHOD error=None>
                {radio_choices(inputs::PAYMENT_METHOD, "offline", vec![("card", "Card", None), ("offline", "Transfer", None)])}
            </ChoiceGroup>
        }
        .to_html();
        for expected in [
            r#"aria-describedby="method-error""#,
            r#"name="payment_method" id="donate-method" value="card""#,
            r#"name="payment_method" id="donate-method-offline" value="offline" checked"#,
            r#"id="method-error""#,
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }
}
