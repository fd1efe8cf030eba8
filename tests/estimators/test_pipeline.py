"""AutoEncoder inside scikit-learn: Pipeline, GridSearchCV, pandas feature names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aekit import VAE, AutoEncoder


@pytest.fixture(scope="module")
def digits_split():
    data = load_digits()
    return train_test_split(
        data.data, data.target, test_size=0.3, random_state=0, stratify=data.target
    )


def test_encoder_as_feature_extractor_in_a_pipeline(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    pipe = make_pipeline(
        StandardScaler(),
        AutoEncoder(latent_dim=16, epochs=10, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    pipe.fit(X_tr, y_tr)
    # 16 learned features carry the digit: 0.92 measured; chance is 0.10 and
    # 16 random projections of the scaled pixels give about 0.85
    assert pipe.score(X_te, y_te) >= 0.88
    names = pipe[:-1].get_feature_names_out()
    assert list(names) == [f"autoencoder{i}" for i in range(16)]


def test_conditional_vae_works_as_a_pipeline_step(digits_split):
    """Pipeline.fit passes y to the VAE (a conditional VAE); predict passes none."""
    X_tr, X_te, y_tr, y_te = digits_split
    pipe = make_pipeline(
        VAE(latent_dim=8, epochs=10, scaler="minmax", conditional=True, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    pipe.fit(X_tr, y_tr)
    assert pipe[0].conditional_
    assert pipe.predict(X_te).shape == y_te.shape
    # without labels, each row is encoded under its most likely class, which
    # the conditional VAE finds almost always (0.99 measured)
    inferred = pipe[0]._likely_classes(X_te)
    assert np.mean(inferred == y_te) >= 0.9


def test_a_vae_step_in_a_pipeline_is_told_apart_from_a_conditional_one(digits_split):
    X_tr, X_te, y_tr, y_te = digits_split
    X_tr, y_tr = X_tr[:400], y_tr[:400]
    with pytest.warns(UserWarning, match="set conditional=False"):
        auto = make_pipeline(VAE(latent_dim=4, epochs=2, random_state=0),
                             LogisticRegression(max_iter=200)).fit(X_tr, y_tr)  # fmt: skip
    assert auto[0].conditional_
    plain = make_pipeline(VAE(latent_dim=4, epochs=2, conditional=False, random_state=0),
                          LogisticRegression(max_iter=200)).fit(X_tr, y_tr)  # fmt: skip
    assert not plain[0].conditional_ and plain.predict(X_te).shape == y_te.shape
    with pytest.raises(ValueError, match="conditional=True: pass the class labels y"):
        VAE(conditional=True).fit(X_tr)
    for bad in ("yes", 1):
        with pytest.raises(ValueError, match="conditional must be 'auto', True or False"):
            VAE(conditional=bad).fit(X_tr, y_tr)


def test_grid_search_over_latent_dim(digits_split):
    X_tr = digits_split[0][:600]
    search = GridSearchCV(AutoEncoder(epochs=8, random_state=0), {"latent_dim": [2, 16]}, cv=2).fit(
        X_tr
    )
    scores = search.cv_results_["mean_test_score"]  # minus the reconstruction error
    assert np.all(scores < 0)
    # a 16-unit code reconstructs better than a 2-unit one
    assert search.best_params_ == {"latent_dim": 16} and scores[1] > scores[0]
    assert search.best_estimator_.transform(X_tr).shape == (600, 16)


def test_pandas_input_keeps_feature_names(digits_split):
    X = digits_split[0][:300]
    columns = [f"px{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns, index=np.arange(1000, 1300))
    ae = AutoEncoder(latent_dim=3, epochs=2, random_state=0).fit(df)
    assert list(ae.feature_names_in_) == columns
    assert list(ae.get_feature_names_out()) == ["autoencoder0", "autoencoder1", "autoencoder2"]
    assert list(ae.get_feature_names_out(columns)) == list(ae.get_feature_names_out())
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        ae.get_feature_names_out(["x"] * len(columns))  # checked, as scikit-learn's are
    with pytest.warns(UserWarning, match="fitted with feature names"):
        from_array = ae.transform(X)
    np.testing.assert_allclose(ae.transform(df), from_array, rtol=1e-6)
    out = ae.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(ae.get_feature_names_out())
    assert list(out.index) == list(df.index)
    with pytest.raises(ValueError, match="feature names"):
        ae.transform(df[columns[::-1]])  # same columns, other order
    vae = VAE(latent_dim=2, epochs=2, random_state=0).fit(df)
    assert list(vae.get_feature_names_out()) == ["vae0", "vae1"]
