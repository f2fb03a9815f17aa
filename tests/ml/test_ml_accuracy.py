"""Each built-in model at its default n_bits, in FHE simulation, against its float model and
Concrete ML 1.9's figures on the same split (../shared/bench/anchor_concrete_ml_results.jsonl:
LogisticRegression 167/171, 44/45, 518/540; LinearSVC 162/171; LinearRegression R² 0.39235,
Ridge 0.39220; DecisionTreeClassifier(max_depth=5) 154/171; NeuralNetClassifier 154/171)."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from fhe_assistant import ml

from .conftest import split

MLP = {"random_state": 0, "max_iter": 1000}
CASES = [
    # (model factory, data set, Concrete ML's simulated accuracy / R² or None)
    (lambda: ml.LogisticRegression(), "breast_cancer", 167 / 171),
    (lambda: ml.LogisticRegression(), "iris", 44 / 45),
    (lambda: ml.LogisticRegression(), "digits", 518 / 540),
    (lambda: ml.LinearSVC(), "breast_cancer", 162 / 171),
    (lambda: ml.LinearRegression(), "diabetes", 0.39234869),
    (lambda: ml.Ridge(), "diabetes", 0.39219797),
    (lambda: ml.DecisionTreeClassifier(max_depth=5, random_state=0), "breast_cancer", 154 / 171),
    (lambda: ml.DecisionTreeClassifier(max_depth=5, random_state=0), "iris", None),
    (lambda: ml.DecisionTreeClassifier(random_state=0), "digits", None),
    (lambda: ml.MLPClassifier(**MLP), "breast_cancer", 154 / 171),
    (lambda: ml.MLPClassifier(**MLP), "iris", None),
    (lambda: ml.MLPClassifier(**MLP), "digits", None),
    (lambda: ml.MLPRegressor(random_state=0, max_iter=2000), "diabetes", None),
]


def _id(case):
    model, dataset, _ = case
    return f"{type(model()).__name__}-{dataset}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_simulated_accuracy_at_default_n_bits(case):
    make, dataset, concrete_ml = case
    X_train, X_test, y_train, y_test = split(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X_train, y_train)
    model.compile(X_train)
    float_score = model.sklearn_model.score(X_test, y_test)
    simulated = model.score(X_test, y_test, fhe="simulate")
    tolerance = 0.02 if dataset != "diabetes" else 0.03
    assert simulated >= float_score - tolerance, (simulated, float_score)
    if concrete_ml is not None:
        assert simulated >= concrete_ml - 1e-9, (simulated, concrete_ml)
    # the compiled circuit computes exactly what the quantized model computes in the clear
    assert np.array_equal(model.predict(X_test, fhe="simulate"), model.predict(X_test))


def test_lookups_stay_small():
    X_train, _, y_train, _ = split("breast_cancer")
    tree = ml.DecisionTreeClassifier(max_depth=5, random_state=0).fit(X_train, y_train)
    assert tree.compile(X_train).analysis.plan.max_lookup_precision <= 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = ml.MLPClassifier(hidden_layer_sizes=(16,), **MLP).fit(X_train, y_train)
    plan = mlp.compile(X_train).analysis.plan
    assert plan.max_lookup_precision <= mlp.rounding_threshold_bits == 5
    assert plan.pbs_count == 16 + 1
    linear = ml.LogisticRegression().fit(X_train, y_train)
    assert linear.compile(X_train).analysis.plan.pbs_count == 0


def test_tree_keeps_the_float_decisions_on_training_data():
    X_train, _, y_train, _ = split("breast_cancer")
    tree = ml.DecisionTreeClassifier(max_depth=6, random_state=0).fit(X_train, y_train)
    assert np.array_equal(tree.predict(X_train), tree.sklearn_model.predict(X_train))
    probabilities = tree.predict_proba(X_train)
    assert np.allclose(probabilities.sum(axis=1), 1)
    assert np.abs(probabilities - tree.sklearn_model.predict_proba(X_train)).max() <= 0.07
