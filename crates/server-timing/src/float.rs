//! HTML's [rules for parsing floating-point number values], which the
//! Server Timing spec's `duration` getter applies to the `dur` param.
//!
//! [rules for parsing floating-point number values]: <https://html.spec.whatwg.org/multipage/common-microsyntaxes.html#rules-for-parsing-floating-point-number-values>

use std::fmt;

/// Why [`parse_floating_point_number`] returned an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FloatError {
    /// The input (after leading ASCII whitespace) does not start with a number.
    NotANumber,
    /// The number rounds to ±2<sup>1024</sup>: too large for a double.
    OutOfRange,
}

impl fmt::Display for FloatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FloatError::NotANumber => "not a floating-point number",
            FloatError::OutOfRange => "number too large for a double",
        })
    }
}

impl std::error::Error for FloatError {}

/// A successful parse: the value and how many input bytes the rules used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParsedFloat {
    /// The number. Never −0, NaN or infinite.
    pub value: f64,
    /// The byte offset just past the last byte the rules read as part of the
    /// number; anything from there on was ignored.
    pub end: usize,
}

/// The whole input is `digits [ "." digits ]` with 1 to 15 digits in all:
/// the fast path of the rules, exact by the argument given in
/// [`parse_floating_point_number`].
#[inline]
fn plain_decimal(input: &[u8]) -> Option<f64> {
    if input.len() > 16 {
        return None;
    }
    match plain_decimal_within(input) {
        Some((len, value)) if len == input.len() => Some(value),
        _ => None,
    }
}

/// The plain decimal at the start of `input`, `digits [ "." [ digits ] ]`
/// or `"." digits` with 1 to 15 digits in all, read within the first 16
/// bytes: its length and its value by the rules (exact, by the argument
/// given in [`parse_floating_point_number`]). `None` when `input` starts
/// with no such number. Whatever follows is the caller's to judge: when it
/// is a digit or a `.`, the rules read more than this did.
#[inline(always)]
pub(crate) fn plain_decimal_prefix(input: &[u8]) -> Option<(usize, f64)> {
    // 16 bytes hold at most 16 digits, which a u64 holds; more than 15
    // digits is refused below. With 16 bytes at hand, their number is
    // known to the compiler, which unrolls the loops.
    match input.first_chunk::<16>() {
        Some(chunk) => plain_decimal_within(chunk),
        None => plain_decimal_within(input),
    }
}

/// [`plain_decimal_prefix`] within `bounded`, at most 16 bytes.
#[inline(always)]
fn plain_decimal_within(bounded: &[u8]) -> Option<(usize, f64)> {
    let mut mantissa: u64 = 0;
    let mut i = 0;
    while let Some(&b) = bounded.get(i) {
        let d = b.wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        mantissa = mantissa * 10 + u64::from(d);
        i += 1;
    }
    let mut fraction_digits = 0;
    if bounded.get(i) == Some(&b'.') {
        i += 1;
        let fraction_start = i;
        // A fixed number of rounds (the most a 16-byte window can hold
        // after a point), so the compiler unrolls them.
        for _ in 0..15 {
            let Some(&b) = bounded.get(i) else { break };
            let d = b.wrapping_sub(b'0');
            if d >= 10 {
                break;
            }
            mantissa = mantissa * 10 + u64::from(d);
            i += 1;
        }
        fraction_digits = i - fraction_start;
        // Only the point: no digit at all.
        if i == 1 {
            return None;
        }
    } else if i == 0 || i == 16 {
        // No digit, or sixteen: too many for the exact path.
        return None;
    }
    // Below 10^15 the mantissa is an exact i64 (a one-instruction
    // conversion), and 10^15 is an exact divisor (at most 15 digits follow
    // a point within 16 bytes, so the mask changes nothing).
    Some((
        i,
        mantissa as i64 as f64 / POWERS_OF_TEN[fraction_digits & 15],
    ))
}

/// 10^0 to 10^22: the powers of ten a double holds exactly.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

#[inline]
fn is_ascii_whitespace(b: u8) -> bool {
    // Infra's ASCII whitespace: TAB, LF, FF, CR, SPACE.
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// HTML's [rules for parsing floating-point number values], over bytes.
///
/// Leading ASCII whitespace is skipped, a leading `+` is accepted, `.5`, `5.`
/// and exponents are numbers, and whatever follows the number is ignored
/// (`12abc` is 12, `1.2.3` is 1.2). The exact value is rounded to the nearest
/// double, and a value that rounds to ±2<sup>1024</sup> is an error, as the
/// rules say; −0 comes out as +0, which the rules' set of values excludes.
///
/// ```
/// use server_timing::float::{parse_floating_point_number, FloatError};
/// assert_eq!(parse_floating_point_number(b"123.4abc").unwrap().value, 123.4);
/// assert_eq!(parse_floating_point_number(b" 1.e3").unwrap().value, 1000.0);
/// assert_eq!(parse_floating_point_number(b"1e400"), Err(FloatError::OutOfRange));
/// assert_eq!(parse_floating_point_number(b"Infinity"), Err(FloatError::NotANumber));
/// ```
///
/// [rules for parsing floating-point number values]: <https://html.spec.whatwg.org/multipage/common-microsyntaxes.html#rules-for-parsing-floating-point-number-values>
pub fn parse_floating_point_number(input: &[u8]) -> Result<ParsedFloat, FloatError> {
    // What servers send is almost always a short plain decimal.
    if let Some(value) = plain_decimal(input) {
        return Ok(ParsedFloat {
            value,
            end: input.len(),
        });
    }
    let n = input.len();
    let digit = |i: usize| i < n && input[i].is_ascii_digit();
    // Steps 1-5: position at the start; value, divisor and exponent are kept
    // implicitly in the text handed to the correctly rounded conversion below.
    let mut i = 0;
    // Step 6: skip ASCII whitespace.
    while i < n && is_ascii_whitespace(input[i]) {
        i += 1;
    }
    // Step 7: at the end, return an error.
    if i == n {
        return Err(FloatError::NotANumber);
    }
    let start = i;
    // Step 8: an optional sign; a lone sign is an error.
    let negative = input[i] == b'-';
    if negative || input[i] == b'+' {
        i += 1;
        if i == n {
            return Err(FloatError::NotANumber);
        }
    }
    // The digits seen so far as an integer, while it stays exact, for the
    // fast path below.
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    // Step 9: ".5" goes straight to the fraction.
    let leading_fraction = input[i] == b'.' && digit(i + 1);
    if !leading_fraction {
        // Step 10: anything else must start with a digit.
        if !digit(i) {
            return Err(FloatError::NotANumber);
        }
        // Step 11: the integer part.
        while digit(i) {
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(input[i] - b'0'));
            digits += 1;
            i += 1;
        }
    }
    let mut end = i;
    let mut fraction_digits = 0usize;
    // Step 13: the fraction. A dot is consumed even when no digit follows
    // ("5." is 5); the conversion below accepts that form too.
    if i < n && input[i] == b'.' {
        i += 1;
        end = i;
        while digit(i) {
            mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(input[i] - b'0'));
            digits += 1;
            fraction_digits += 1;
            i += 1;
            end = i;
        }
    }
    // Step 14: the exponent counts only when at least one digit follows the
    // `e` and its optional sign; otherwise the number ends before the `e`.
    let mut has_exponent = false;
    if i < n && (input[i] == b'e' || input[i] == b'E') {
        let mut j = i + 1;
        if j < n && (input[j] == b'-' || input[j] == b'+') {
            j += 1;
        }
        if digit(j) {
            while digit(j) {
                j += 1;
            }
            end = j;
            has_exponent = true;
        }
    }
    // Fast path (Clinger): an integer below 2^53 divided by a power of ten up
    // to 10^22 is exact on both sides, so the one division rounds correctly.
    if !has_exponent && digits <= 15 && fraction_digits < POWERS_OF_TEN.len() {
        let magnitude = mantissa as f64 / POWERS_OF_TEN[fraction_digits];
        let value = if negative && magnitude != 0.0 {
            -magnitude
        } else {
            magnitude
        };
        return Ok(ParsedFloat { value, end });
    }
    // Steps 15-18: round to the nearest double. Rust's conversion is correctly
    // rounded (ties to even) and overflows to infinity exactly where the
    // rules round to ±2^1024. The accepted text is ASCII by construction.
    let text = std::str::from_utf8(&input[start..end]).map_err(|_| FloatError::NotANumber)?;
    let value: f64 = text.parse().map_err(|_| FloatError::NotANumber)?;
    if value.is_infinite() {
        return Err(FloatError::OutOfRange);
    }
    // −0 is not in the rules' set of values; +0 is the nearest member.
    let value = if value == 0.0 { 0.0 } else { value };
    Ok(ParsedFloat { value, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<f64, FloatError> {
        parse_floating_point_number(s.as_bytes()).map(|p| p.value)
    }

    #[test]
    fn worked_results_from_the_digest() {
        let ok = [
            ("123.4", 123.4),
            ("123.4abc", 123.4),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("-.5", -0.5),
            ("+1", 1.0),
            ("1.e5", 100000.0),
            ("1e", 1.0),
            ("1e+", 1.0),
            ("1e-", 1.0),
            ("1E2", 100.0),
            ("12 34", 12.0),
            ("0x10", 0.0),
            ("007", 7.0),
            ("1,5", 1.0),
            ("1.2.3", 1.2),
            (" \t\n\x0c\r12", 12.0),
            ("1e-400", 0.0),
            ("0e99999999999999999999999", 0.0),
        ];
        for (input, expected) in ok {
            assert_eq!(parse(input), Ok(expected), "{input:?}");
        }
        let errors = [
            ("", FloatError::NotANumber),
            ("-", FloatError::NotANumber),
            ("+", FloatError::NotANumber),
            (".", FloatError::NotANumber),
            ("-.", FloatError::NotANumber),
            ("Infinity", FloatError::NotANumber),
            ("NaN", FloatError::NotANumber),
            ("\x0b1", FloatError::NotANumber),
            ("1e400", FloatError::OutOfRange),
            ("-1e400", FloatError::OutOfRange),
            ("1e99999999999999999999", FloatError::OutOfRange),
        ];
        for (input, expected) in errors {
            assert_eq!(parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn negative_zero_becomes_positive_zero() {
        let v = parse("-0").unwrap();
        assert!(v == 0.0 && v.is_sign_positive());
        let v = parse("-0.0e5").unwrap();
        assert!(v.is_sign_positive());
    }

    #[test]
    fn overflow_threshold_is_the_rounding_midpoint() {
        // f64::MAX rounds to itself; the midpoint to 2^1024 rounds to 2^1024 (error).
        assert_eq!(parse("1.7976931348623157e308"), Ok(f64::MAX));
        assert_eq!(parse("1.7976931348623158e308"), Ok(f64::MAX));
        // 2^1024 - 2^970 is the exact midpoint; just below it stays finite.
        let midpoint = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";
        let below = format!("{}1", &midpoint[..midpoint.len() - 1]);
        assert_eq!(parse(&below), Ok(f64::MAX));
        assert_eq!(parse(midpoint), Err(FloatError::OutOfRange));
        assert_eq!(parse("1.7976931348623159e308"), Err(FloatError::OutOfRange));
    }

    /// Where the parser's fast path reads a `dur` value as a plain decimal
    /// followed by `;`, the full rules read the same number, to the bit,
    /// ending at the same byte: for every string of up to 7 bytes over
    /// digits, the point, `;`, `e` and a non-ASCII byte, and for runs of 14
    /// to 17 digits with and without a point.
    #[test]
    fn plain_decimal_prefix_agrees_with_the_rules() {
        const ALPHABET: [u8; 6] = [b'0', b'7', b'.', b';', b'e', 0xe9];
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for len in 0..=7u32 {
            for mut n in 0..ALPHABET.len().pow(len) {
                let mut input = Vec::with_capacity(len as usize + 1);
                for _ in 0..len {
                    input.push(ALPHABET[n % ALPHABET.len()]);
                    n /= ALPHABET.len();
                }
                input.push(b';');
                inputs.push(input);
            }
        }
        for digits in 14..=17 {
            let run: Vec<u8> = (0..digits).map(|i| b'1' + (i % 9) as u8).collect();
            inputs.push([&run[..], b";"].concat());
            for point in [1, digits - 1, digits] {
                inputs.push([&run[..point], b".", &run[point..], b";"].concat());
            }
        }
        let mut plain = 0;
        for input in &inputs {
            let Some((len, value)) = plain_decimal_prefix(input) else {
                continue;
            };
            if input[len] != b';' {
                continue;
            }
            plain += 1;
            // The `;` after the number keeps the rules off the fast path.
            let full = parse_floating_point_number(input).expect("a plain decimal is a number");
            assert_eq!(
                (full.value.to_bits(), full.end),
                (value.to_bits(), len),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        // The fast path took a good share of them.
        assert!(plain > 2_000, "{plain}");
    }

    #[test]
    fn end_marks_what_was_read() {
        let p = parse_floating_point_number(b"  12.5e1x").unwrap();
        assert_eq!((p.value, p.end), (125.0, 8));
        let p = parse_floating_point_number(b"3e+").unwrap();
        assert_eq!(p.end, 1);
    }
}
