import numpy as np

from store.privacy import TermHasher, VectorRotation


def test_rotation_preserves_cosine_scores_exactly():
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((20, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rotated = VectorRotation(b"k" * 32, 32).apply(vectors)
    assert np.allclose(vectors @ vectors.T, rotated @ rotated.T, atol=1e-5)


def test_rotation_actually_changes_the_stored_vectors():
    vector = np.eye(32, dtype=np.float32)[:1]
    rotated = VectorRotation(b"k" * 32, 32).apply(vector)
    assert float(np.abs(rotated - vector).max()) > 0.1


def test_rotation_depends_on_the_key():
    vector = np.ones((1, 16), dtype=np.float32)
    a = VectorRotation(b"a" * 32, 16).apply(vector)
    b = VectorRotation(b"b" * 32, 16).apply(vector)
    assert not np.allclose(a, b)


def test_term_indices_are_keyed_hashes():
    assert TermHasher(b"a" * 32).term_index("records") != TermHasher(b"b" * 32).term_index("records")
    assert TermHasher(b"a" * 32).term_index("records") == TermHasher(b"a" * 32).term_index("records")


def test_keyword_tags_do_not_contain_the_code():
    tag = TermHasher(b"a" * 32).tag("code", "G0439")
    assert "G0439" not in tag and len(tag) == 32
