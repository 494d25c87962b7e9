//! The scripted server's own tests.

use super::reply::generate;
use super::*;
use futures::StreamExt as _;

#[test]
fn streamed_bodies_have_exactly_the_length_asked_for() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for total in [0u64, 5, 10, 64 * 1024 + 3, 3 * 1024 * 1024 + 17] {
        let (len, head) = rt.block_on(async {
            let mut s = Box::pin(generate(b"[begin".to_vec(), b"{\"a\":1},".to_vec(), total));
            let (mut len, mut head) = (0u64, Vec::new());
            while let Some(chunk) = s.next().await {
                let chunk = chunk.expect("chunk");
                if head.len() < 14 {
                    head.extend_from_slice(&chunk[..chunk.len().min(14)]);
                }
                len += chunk.len() as u64;
            }
            (len, head)
        });
        assert_eq!(len, total);
        let want = &b"[begin{\"a\":1},"[..usize::try_from(total.min(14)).expect("small")];
        assert_eq!(&head[..want.len()], want, "total {total}");
    }
}

#[test]
fn path_patterns_are_exact_or_a_prefix() {
    assert!(path_matches("/a/b", "/a/b"));
    assert!(!path_matches("/a/b", "/a/bc"));
    assert!(path_matches("/a/*", "/a/bc"));
    assert!(!path_matches("/a/*", "/b"));
}
