//! The short codes people and systems pass around: a donation's reference, the form token that
//! makes a submit idempotent, and a personal share code.

/// The idempotency token the server puts in every donation form. Submitting the same token
/// again returns the donation it already made instead of making another. The server signs
/// what it issues (`{id}.{signature}`, 32 hex digits each) and refuses tokens it did not
/// issue; the browser only checks the shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormToken(String);

impl FormToken {
    /// Hex digits in each of the two halves.
    pub const PART_LENGTH: usize = 32;
    pub const LENGTH: usize = 2 * Self::PART_LENGTH + 1;

    /// `{id}.{signature}`, each 32 lowercase hex digits.
    pub fn parse(input: &str) -> Option<FormToken> {
        let token = input.trim();
        let (id, signature) = token.split_once('.')?;
        let hex = |part: &str| {
            part.len() == Self::PART_LENGTH
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        (hex(id) && hex(signature)).then(|| FormToken(token.to_string()))
    }

    /// The random part and the signature over it.
    pub fn parts(&self) -> (&str, &str) {
        let (id, rest) = self.0.split_at(Self::PART_LENGTH);
        (id, &rest[1..])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A supporter's personal share code (see the sharing issue): letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralCode(String);

impl ReferralCode {
    /// Length of the codes the server issues.
    pub const ISSUED_LENGTH: usize = 10;

    /// A new code from random bytes (the server supplies them): 10 characters from the
    /// reference alphabet, about 10^15 possibilities, so one code says nothing about another.
    pub fn from_random(bytes: [u8; Self::ISSUED_LENGTH]) -> ReferralCode {
        ReferralCode(
            bytes
                .iter()
                .map(|b| {
                    char::from(Reference::ALPHABET[usize::from(*b) % Reference::ALPHABET.len()])
                })
                .collect(),
        )
    }

    pub fn parse(input: &str) -> Option<ReferralCode> {
        let code = input.trim();
        ((4..=32).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| ReferralCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ReferralCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A donation's public reference, e.g. `LBC-7K3Q9X`: short enough to read out on the phone and
/// type into a bank app, from an alphabet without look-alikes (no 0/O, 1/I/L).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    pub const PREFIX: &'static str = "LBC-";
    pub const ALPHABET: &'static [u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    pub const CODE_LENGTH: usize = 6;

    /// Builds a reference from random bytes (the server supplies them).
    pub fn from_random(bytes: [u8; Self::CODE_LENGTH]) -> Reference {
        let code: String = bytes
            .iter()
            .map(|b| char::from(Self::ALPHABET[usize::from(*b) % Self::ALPHABET.len()]))
            .collect();
        Reference(format!("{}{code}", Self::PREFIX))
    }

    /// Reads a reference as a person might type it: any case, spaces around, dash optional.
    pub fn parse(input: &str) -> Option<Reference> {
        let upper = input.trim().to_ascii_uppercase();
        let code = upper
            .strip_prefix(Self::PREFIX)
            .or_else(|| upper.strip_prefix(&Self::PREFIX[..Self::PREFIX.len() - 1]))?;
        (code.len() == Self::CODE_LENGTH && code.bytes().all(|b| Self::ALPHABET.contains(&b)))
            .then(|| Reference(format!("{}{code}", Self::PREFIX)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The codes written after "LBC" in free text (a bank statement's description), as people
    /// and banks write them: any case, with spaces, dashes or other separators anywhere
    /// ("lbc 7k3 q9x", "LBC-7K3-Q9X", "REF:LBC7K3Q9X"). Each is six letters or digits, not yet
    /// checked against the alphabet: see [`Reference::parse`] for exact ones and
    /// [`Reference::resembles`] for ones with a confusable character.
    pub fn codes_in(text: &str) -> Vec<String> {
        let upper: Vec<char> = text.to_uppercase().chars().collect();
        let prefix = ['L', 'B', 'C'];
        let mut found = Vec::new();
        let mut i = 0;
        while i + prefix.len() <= upper.len() {
            if upper[i..i + prefix.len()] != prefix
                || (i > 0 && upper[i - 1].is_ascii_alphanumeric())
            {
                i += 1;
                continue;
            }
            let mut code = String::new();
            let mut j = i + prefix.len();
            let mut gap = 0;
            while j < upper.len() && code.len() < Self::CODE_LENGTH {
                let c = upper[j];
                if c.is_ascii_alphanumeric() {
                    code.push(c);
                    gap = 0;
                } else if matches!(c, ' ' | '-' | '_' | '.' | ':' | '/' | '#') && gap < 2 {
                    gap += 1;
                } else {
                    break;
                }
                j += 1;
            }
            // Six characters, and no seventh glued to them: "LBC-7K3Q9X2" is not a reference.
            let ends = j >= upper.len() || !upper[j].is_ascii_alphanumeric() || gap > 0;
            if code.len() == Self::CODE_LENGTH && ends && !found.contains(&code) {
                found.push(code);
            }
            i = j.max(i + 1);
        }
        found
    }

    /// Exact references in free text (see [`Reference::codes_in`]).
    pub fn find_in(text: &str) -> Vec<Reference> {
        Reference::codes_in(text)
            .iter()
            .filter_map(|code| Reference::parse(&format!("{}{code}", Self::PREFIX)))
            .collect()
    }

    /// Whether a code read from free text is this reference with characters people and
    /// machines confuse (`0`/`O`/`Q`/`D`, `1`/`I`/`L`/`J`/`T`/`7`, `2`/`Z`, `5`/`S`, `6`/`G`,
    /// `8`/`B`, `U`/`V`). The alphabet leaves out `0 O 1 I L`, so a code holding one of them is
    /// never exact, only close.
    pub fn resembles(&self, code: &str) -> bool {
        const CLASSES: [&str; 7] = ["0OQD", "1ILJT7", "2Z", "5S", "6G", "8B", "UV"];
        let class = |c: char| CLASSES.iter().position(|class| class.contains(c));
        let ours = &self.0[Self::PREFIX.len()..];
        code.len() == ours.len()
            && ours.chars().zip(code.chars()).all(|(a, b)| {
                a == b.to_ascii_uppercase()
                    || class(a).is_some_and(|x| class(b.to_ascii_uppercase()) == Some(x))
            })
    }
}
impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn references_are_found_in_bank_text_however_written() {
        let want = Reference::parse("LBC-7K3Q9X").unwrap();
        for text in [
            "FPS LBC-7K3Q9X CHAN TAI MAN",
            "fps lbc 7k3 q9x",
            "REF:LBC7K3Q9X",
            "TRANSFER LBC-7K3-Q9X 300.00",
            "Gift (lbc_7k3q9x)",
        ] {
            assert_eq!(Reference::find_in(text), vec![want.clone()], "{text}");
        }
        assert!(Reference::find_in("LBC-7K3Q9X2 too long").is_empty());
        assert!(Reference::find_in("XLBC-7K3Q9X glued").is_empty());
        assert!(Reference::find_in("no reference at all").is_empty());
        // Two references in one line are both found.
        assert_eq!(Reference::find_in("LBC-7K3Q9X and LBC-22222A").len(), 2);
        // A confusable character: not exact, but close to the right one and no other.
        assert!(Reference::find_in("LBC-7K3O9X").is_empty());
        assert_eq!(
            Reference::codes_in("LBC-7K3O9X"),
            vec!["7K3O9X".to_string()]
        );
        assert!(want.resembles("7K3O9X"));
        assert!(want.resembles("7k3q9x"));
        assert!(!want.resembles("7K3Q9Y"));
        assert!(!Reference::parse("LBC-7K3A9X").unwrap().resembles("7K3O9X"));
    }

    #[test]
    fn references_are_unambiguous_and_read_back_leniently() {
        let reference = Reference::from_random([0, 1, 30, 31, 200, 255]);
        assert_eq!(reference.as_str().len(), 10);
        assert!(reference.as_str().starts_with("LBC-"));
        for ambiguous in ['0', 'O', '1', 'I', 'L'] {
            assert!(!reference.as_str()[4..].contains(ambiguous));
        }
        assert_eq!(
            Reference::parse(" lbc-7k3q9x "),
            Reference::parse("LBC-7K3Q9X")
        );
        assert_eq!(
            Reference::parse("LBC7K3Q9X").unwrap().as_str(),
            "LBC-7K3Q9X"
        );
        assert_eq!(
            Reference::parse("LBC-7K3Q90"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(Reference::parse("LBC-7K3Q9"), None);
        assert_eq!(Reference::parse("../etc/passwd"), None);
    }

    proptest! {
        #[test]
        fn references_round_trip(bytes in proptest::array::uniform6(any::<u8>())) {
            let reference = Reference::from_random(bytes);
            prop_assert_eq!(Reference::parse(reference.as_str()), Some(reference.clone()));
        }

        #[test]
        fn any_text_reference_or_token_never_panics(text in "\\PC{0,40}") {
            if let Some(reference) = Reference::parse(&text) {
                prop_assert_eq!(Reference::parse(reference.as_str()), Some(reference.clone()));
            }
            if let Some(token) = FormToken::parse(&text) {
                prop_assert_eq!(token.as_str().len(), FormToken::LENGTH);
            }
        }

    }
}
