//! A gift in honour or in memory of someone: the honoree's name, an optional message, and
//! optionally someone to tell by email once the gift is paid.

use super::donor::{Email, PersonName};

/// Longest tribute message we keep, in characters: a card's worth.
pub const MESSAGE_MAX_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TributeKind {
    Honour,
    Memory,
}

impl TributeKind {
    pub const ALL: [TributeKind; 2] = [TributeKind::Honour, TributeKind::Memory];

    /// The stored and submitted code.
    pub fn as_str(self) -> &'static str {
        match self {
            TributeKind::Honour => "honour",
            TributeKind::Memory => "memory",
        }
    }

    pub fn parse(value: &str) -> Option<TributeKind> {
        TributeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value.trim())
    }
}

/// A donor's message for the honoree's family or friends: trimmed, at most
/// [`MESSAGE_MAX_CHARS`], line breaks kept, no other control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TributeMessage(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageError {
    TooLong,
    Invalid,
}

impl TributeMessage {
    /// An optional message: empty means none.
    pub fn parse_optional(input: &str) -> Result<Option<TributeMessage>, MessageError> {
        let text = input.trim().replace("\r\n", "\n");
        if text.is_empty() {
            Ok(None)
        } else if text.chars().count() > MESSAGE_MAX_CHARS {
            Err(MessageError::TooLong)
        } else if text.chars().any(|c| c.is_control() && c != '\n') {
            Err(MessageError::Invalid)
        } else {
            Ok(Some(TributeMessage(text)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Someone the donor asked us to tell about the gift, by email, in the donor's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TributeNotice {
    pub name: PersonName,
    pub email: Email,
    /// Whether the email says how much was given (only if the donor chose so).
    pub show_amount: bool,
}

/// A gift made in someone's honour or memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tribute {
    pub kind: TributeKind,
    pub honoree: PersonName,
    pub message: Option<TributeMessage>,
    pub notify: Option<TributeNotice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_line_breaks_and_refuse_other_controls() {
        let message = TributeMessage::parse_optional(" With love,\r\nthe Lees ").unwrap();
        assert_eq!(message.unwrap().as_str(), "With love,\nthe Lees");
        assert_eq!(TributeMessage::parse_optional("  "), Ok(None));
        assert_eq!(
            TributeMessage::parse_optional("a\u{7}b"),
            Err(MessageError::Invalid)
        );
        assert_eq!(
            TributeMessage::parse_optional(&"字".repeat(MESSAGE_MAX_CHARS + 1)),
            Err(MessageError::TooLong)
        );
        assert!(TributeMessage::parse_optional(&"字".repeat(MESSAGE_MAX_CHARS)).is_ok());
    }

    #[test]
    fn kinds_read_back() {
        for kind in TributeKind::ALL {
            assert_eq!(TributeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(TributeKind::parse("birthday"), None);
    }
}
