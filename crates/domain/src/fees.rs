//! Covering the processing fee: how much a donor adds so that, once the payment provider has
//! taken its fee from the whole charge, the charity still receives the full gift.
//!
//! One function for the browser (the amount shown next to the box) and the server (the amount
//! charged), so the two agree to the cent.

use super::money::Money;

/// What a payment provider charges for one payment: a share of the charge in basis points
/// (1/100 of a percent) plus a fixed amount in minor units. Set in content per method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeeRate {
    pub basis_points: u32,
    pub fixed_minor: u64,
}

impl FeeRate {
    /// No fee (bank transfers and FPS).
    pub const NONE: FeeRate = FeeRate {
        basis_points: 0,
        fixed_minor: 0,
    };

    /// The largest gift whose cover is computed exactly (10^15 minor units).
    pub const EXACT_UP_TO: u64 = 1_000_000_000_000_000;

    /// The highest share content may set: a rate near 100% would make the cover unbounded.
    pub const MAX_BASIS_POINTS: u32 = 2_000;

    /// The rate as donors read it: "3.4% + HK$2.35" (or just one part).
    pub fn describe(self, currency: super::money::Currency) -> String {
        let percent = format!("{}.{:02}", self.basis_points / 100, self.basis_points % 100);
        let percent = format!("{}%", percent.trim_end_matches('0').trim_end_matches('.'));
        let fixed = Money::new(self.fixed_minor, currency).to_string();
        match (self.basis_points, self.fixed_minor) {
            (0, _) => fixed,
            (_, 0) => percent,
            _ => format!("{percent} + {fixed}"),
        }
    }

    pub fn is_none(self) -> bool {
        self.basis_points == 0 && self.fixed_minor == 0
    }

    /// The provider's fee on a charge of `charged` minor units, its share rounded up (so the
    /// cover is never a cent short, whichever way the provider rounds).
    pub fn fee_on(self, charged: u64) -> u64 {
        // 64-bit arithmetic (no 128-bit division in the browser's bundle): exact for any
        // charge below 10^15 minor units, far above the largest gift content may allow.
        charged
            .saturating_mul(u64::from(self.basis_points))
            .div_ceil(10_000)
            .saturating_add(self.fixed_minor)
    }

    /// What the charity receives from a charge of `charged`.
    pub fn net_of(self, charged: u64) -> u64 {
        charged.saturating_sub(self.fee_on(charged))
    }

    /// The smallest amount to add to `gift` so that the charity receives at least `gift`.
    pub fn cover(self, gift: Money) -> Money {
        Money::new(self.cover_minor(gift.minor), gift.currency)
    }

    fn cover_minor(self, gift: u64) -> u64 {
        // Beyond 10^15 minor units the arithmetic below is no longer exact; no gift comes near.
        if self.is_none() || gift == 0 || gift > Self::EXACT_UP_TO {
            return 0;
        }
        let keep = 10_000 - u64::from(self.basis_points.min(Self::MAX_BASIS_POINTS));
        // The exact gross-up, then a step or two to the smallest charge that nets the gift
        // under the rounded-up fee.
        let mut charged = gift
            .saturating_add(self.fixed_minor)
            .saturating_mul(10_000)
            .div_ceil(keep);
        while self.net_of(charged) < gift {
            charged += 1;
        }
        while charged > gift && self.net_of(charged - 1) >= gift {
            charged -= 1;
        }
        charged - gift
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    /// Stripe's published Hong Kong card pricing, as the sample content sets it.
    const CARD: FeeRate = FeeRate {
        basis_points: 340,
        fixed_minor: 235,
    };

    fn hkd(minor: u64) -> Money {
        Money::new(minor, Currency::Hkd)
    }

    #[test]
    fn the_cover_on_a_typical_gift() {
        // HK$300: 3.4% of HK$313.00 is HK$10.65 (rounded up), plus HK$2.35 = HK$13.00.
        assert_eq!(CARD.cover(hkd(30_000)), hkd(1_300));
        assert_eq!(CARD.net_of(31_300), 30_000);
        assert_eq!(FeeRate::NONE.cover(hkd(30_000)), hkd(0));
        assert_eq!(CARD.describe(Currency::Hkd), "3.4% + HK$2.35");
        let round = FeeRate {
            basis_points: 300,
            fixed_minor: 0,
        };
        assert_eq!(round.describe(Currency::Hkd), "3%");
    }

    proptest! {
        #[test]
        fn the_cover_is_the_least_that_delivers_the_whole_gift(
            gift in prop_oneof![1u64..=100_000_000, 1u64..=FeeRate::EXACT_UP_TO], basis_points in 0u32..=FeeRate::MAX_BASIS_POINTS,
            fixed_minor in 0u64..=10_000,
        ) {
            let rate = FeeRate { basis_points, fixed_minor };
            let cover = rate.cover(hkd(gift)).minor;
            let charged = gift + cover;
            prop_assert!(rate.net_of(charged) >= gift, "a cent short");
            if cover > 0 {
                prop_assert!(rate.net_of(charged - 1) < gift, "a cent more than needed");
            }
        }
    }
}
