//! Item size by DynamoDB's documented rules, to refuse an item over the limit before sending it.
//!
//! Names and strings count their UTF-8 bytes, binaries their length, numbers one byte per two
//! significant digits plus one, booleans and nulls one byte; lists and maps add three bytes plus one
//! per element (and a map its keys), sets the sum of their members.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::convert::Item;

pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

pub fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(ss) => ss.iter().map(String::len).sum(),
        AttributeValue::Ns(ns) => ns.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(bs) => bs.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 0,
    }
}

fn number_size(text: &str) -> usize {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let significant = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len()
        .max(1);
    significant.div_ceil(2) + 1 + usize::from(negative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::primitives::Blob;

    #[test]
    fn numbers_count_significant_digits() {
        assert_eq!(number_size("0"), 2);
        assert_eq!(number_size("12345"), 4);
        assert_eq!(number_size("1000000"), 2);
        assert_eq!(number_size("0.001"), 2);
        assert_eq!(number_size("-12"), 3);
    }

    #[test]
    fn containers_add_overhead() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("abc".into()));
        item.insert("b".into(), AttributeValue::B(Blob::new(vec![0; 10])));
        item.insert(
            "l".into(),
            AttributeValue::L(vec![
                AttributeValue::Bool(true),
                AttributeValue::S("xy".into()),
            ]),
        );
        // pk: 2+3, b: 1+10, l: 1 + 3 + (1+1) + (1+2)
        assert_eq!(item_size(&item), 5 + 11 + 9);
    }
}
