"""The scikit-learn estimator API, imports from scikit-learn, bad inputs, pruning, reports."""
import warnings

import numpy as np
import pytest
from sklearn import linear_model, neural_network, tree
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from fhe_assistant import ml
from fhe_assistant.core.errors import InputError
from fhe_assistant.quantization import NBits

from .conftest import split


def quiet_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_parameters_are_sklearns_plus_fhe_ones():
    model = ml.LogisticRegression(n_bits=6, C=0.5)
    params = model.get_params()
    assert params["n_bits"] == 6 and params["C"] == 0.5 and params["max_iter"] == 100
    assert model.set_params(C=2.0) is model and model.C == 2.0
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert is_classifier(ml.MLPClassifier()) and is_regressor(ml.Ridge())
    assert "n_bits=6" in repr(model)
    mlp = ml.MLPClassifier()
    assert mlp.rounding_threshold_bits == 5 and mlp.hidden_layer_sizes == (100,)
    with pytest.raises(TypeError, match="unexpected parameter"):
        ml.Ridge(alpah=1.0)


def test_fit_predict_proba_score_and_decision_function():
    X_train, X_test, y_train, y_test = split("iris")
    model = ml.LogisticRegression().fit(X_train, y_train)
    assert set(model.classes_) == {0, 1, 2} and model.n_features_in_ == 4
    probabilities = model.predict_proba(X_test)
    assert probabilities.shape == (45, 3) and np.allclose(probabilities.sum(axis=1), 1)
    assert np.abs(probabilities - model.sklearn_model.predict_proba(X_test)).max() < 0.02
    assert np.array_equal(model.predict(X_test), model.classes_[probabilities.argmax(axis=1)])
    assert model.decision_function(X_test).shape == (45, 3)
    assert model.score(X_test, y_test) == pytest.approx(np.mean(model.predict(X_test) == y_test))
    assert not hasattr(ml.LinearSVC(), "predict_proba")


def test_binary_and_regression_shapes():
    X_train, X_test, y_train, _ = split("breast_cancer")
    model = ml.LogisticRegression().fit(X_train, y_train)
    assert model.predict_proba(X_test).shape == (171, 2)
    assert model.decision_function(X_test).shape == (171,)
    X_train, X_test, y_train, _ = split("diabetes")
    regression = ml.LinearRegression().fit(X_train, y_train)
    assert regression.predict(X_test).shape == (133,)
    two_targets = ml.Ridge().fit(X_train, np.stack([y_train, -y_train], axis=1))
    assert two_targets.predict(X_test).shape == (133, 2)


@pytest.mark.parametrize("name,sklearn_model,dataset", [
    ("LogisticRegression", linear_model.LogisticRegression(), "breast_cancer"),
    ("Ridge", linear_model.Ridge(alpha=3.0), "diabetes"),
    ("DecisionTreeClassifier", tree.DecisionTreeClassifier(max_depth=4, random_state=0), "iris"),
    ("MLPRegressor", neural_network.MLPRegressor(hidden_layer_sizes=(8,), random_state=0,
                                                 max_iter=300), "diabetes"),
])
def test_from_sklearn_matches_fit(name, sklearn_model, dataset):
    X_train, X_test, y_train, _ = split(dataset)
    fitted = quiet_fit(sklearn_model, X_train, y_train)
    cls = getattr(ml, name)
    imported = cls.from_sklearn(fitted, X_train)
    trained = quiet_fit(cls(**{k: v for k, v in fitted.get_params().items()}), X_train, y_train)
    assert imported.sklearn_model is fitted
    assert np.allclose(imported.predict(X_test), trained.predict(X_test))
    # without calibration data, compile(X) calibrates
    late = cls.from_sklearn(fitted, n_bits=6)
    assert late.n_bits == 6
    with pytest.raises(InputError, match="compile"):
        late.predict(X_test)
    late.compile(X_train)
    assert late.predict(X_test, fhe="simulate").shape[0] == X_test.shape[0]


def test_from_sklearn_rejects_other_classes_and_unfitted_models():
    with pytest.raises(InputError, match="LogisticRegression"):
        ml.LogisticRegression.from_sklearn(linear_model.Ridge().fit([[0.0], [1.0]], [0, 1]))
    with pytest.raises(NotFittedError):
        ml.Ridge.from_sklearn(linear_model.Ridge())


def test_clear_errors_for_bad_inputs():
    X_train, X_test, y_train, _ = split("breast_cancer")
    with pytest.raises(NotFittedError, match="fit"):
        ml.LogisticRegression().predict(X_test)
    model = ml.LogisticRegression().fit(X_train, y_train)
    with pytest.raises(InputError, match="29 features, but LogisticRegression was fitted with 30"):
        model.predict(X_test[:, 1:])
    with pytest.raises(InputError, match="reshape"):
        model.predict(X_test[0])
    bad = np.array(X_test)
    bad[3, 7] = np.nan
    with pytest.raises(InputError, match="NaN"):
        model.predict(bad)
    with pytest.raises(InputError, match="compile"):
        model.predict(X_test, fhe="simulate")
    with pytest.raises(InputError, match="fhe="):
        model.predict(X_test, fhe="fhe")
    with pytest.raises(InputError, match="keygen"):
        model.keygen()
    model.compile(X_train)
    with pytest.raises(InputError, match=r"keygen\(\)"):
        model.predict(X_test[:1], fhe="execute")
    with pytest.raises(InputError, match="samples"):
        ml.Ridge().fit(X_train, y_train[:10])
    with pytest.raises(InputError, match="outside"):
        ml.Ridge(n_bits=40).fit(X_train, y_train)


def test_pruning_narrows_accumulators_and_removes_neurons():
    X_train, X_test, y_train, y_test = split("breast_cancer")
    mlp = quiet_fit(ml.MLPClassifier(hidden_layer_sizes=(40,), random_state=0, max_iter=500),
                    X_train, y_train)
    full = mlp.compile(X_train).analysis.plan.pbs_count
    mlp.prune(0.6)
    assert mlp.fhe_circuit is None
    pruned = mlp.compile(X_train).analysis.plan.pbs_count
    assert pruned < full and mlp.hidden_neurons_ + 1 == pruned
    assert mlp.score(X_test, y_test, fhe="simulate") > 0.9
    linear = ml.LogisticRegression().fit(X_train, y_train)
    width = linear.compile(X_train).graph.maximum_integer_bit_width()
    linear.prune(max_active_neurons=5)
    assert linear.compile(X_train).graph.maximum_integer_bit_width() < width
    with pytest.raises(InputError, match="max_depth"):
        ml.DecisionTreeClassifier().fit(X_train, y_train).prune(0.5)


def test_n_bits_dict_for_inputs_weights_outputs():
    X_train, _, y_train, _ = split("breast_cancer")
    model = ml.LogisticRegression(n_bits={"inputs": 4, "weights": 3}).fit(X_train, y_train)
    program = model.quantized_model.program
    assert program.input_quantizers[0].n_bits == 4
    weights = program.graph[1].attrs["value"]
    assert np.abs(weights).max() <= 3
    assert model.n_bits_ == NBits(4, 3, 8)


def test_quantization_report_is_complete():
    """(Its speed against Concrete ML's loop is measured in bench/ml_bench.py.)"""
    X_train, X_test, y_train, y_test = split("breast_cancer")
    model = ml.LogisticRegression().fit(X_train, y_train)
    report = model.quantization_report(X_test, y_test, n_bits=range(2, 9))
    assert list(report["n_bits"]) == list(range(2, 9))
    assert {"float", "quantized", "simulated", "max_bit_width", "tlu_count", "fhe_compatible",
            "predicted_latency_ms"} <= set(report.columns)
    assert report.attrs["metric"] == "accuracy"
    assert (report["simulated"] == report["quantized"]).all()
    assert report["max_bit_width"].is_monotonic_increasing
    assert report["simulated"].iloc[-1] >= report["float"].iloc[-1] - 0.02
    assert (report["tlu_count"] == 0).all()


def test_report_sweeps_pruning_and_rounding_for_mlps():
    X_train, X_test, y_train, y_test = split("breast_cancer")
    model = quiet_fit(ml.MLPClassifier(hidden_layer_sizes=(20,), random_state=0, max_iter=500),
                      X_train, y_train)
    report = model.quantization_report(X_test, y_test, n_bits=[4, 8], pruning=[0.0, 0.5],
                                       rounding_threshold_bits=[4, 6])
    assert len(report) == 8
    assert (report["lookup_bit_width"] <= report["rounding_threshold_bits"]).all()
    pruned = report[report["pruning"] == 0.5]
    assert (pruned["tlu_count"].to_numpy() <= report[report["pruning"] == 0.0]["tlu_count"]
            .to_numpy()).all()
    latency = report.set_index(["pruning", "n_bits", "rounding_threshold_bits"])[
        "predicted_latency_ms"]
    assert latency[(0.0, 8, 4)] < latency[(0.0, 8, 6)]
    X_train, X_test, y_train, y_test = split("diabetes")
    regression = ml.Ridge().fit(X_train, y_train)
    report = regression.quantization_report(X_test, y_test, n_bits=[3, 8])
    assert report.attrs["metric"] == "r2" and report["simulated"].iloc[1] > 0.35


def test_set_params_requantizes_a_fitted_model():
    X_train, X_test, y_train, _ = split("breast_cancer")
    model = ml.LogisticRegression().fit(X_train, y_train)
    model.compile(X_train)
    model.set_params(n_bits=3)
    assert model.fhe_circuit is None
    assert model.quantized_model.program.input_quantizers[0].n_bits == 3
    with pytest.raises(InputError, match="compile"):
        model.predict(X_test, fhe="simulate")
    assert model.compile(X_train).graph.maximum_integer_bit_width() < 12


def test_max_active_neurons_parameter_narrows_mlp_accumulators():
    X_train, X_test, y_train, y_test = split("breast_cancer")

    def first_weights(model):
        graph = model.quantized_model.program.graph
        return next(n.attrs["value"] for n in graph.nodes
                    if n.op.value == "constant" and np.ndim(n.attrs["value"]) == 2)

    def accumulator_width(model):
        return model.compile(X_train).graph.maximum_integer_bit_width()

    dense = quiet_fit(ml.MLPClassifier(hidden_layer_sizes=(12,), random_state=0, max_iter=500),
                      X_train, y_train)
    sparse = quiet_fit(ml.MLPClassifier(hidden_layer_sizes=(12,), random_state=0, max_iter=500,
                                        max_active_neurons=4), X_train, y_train)
    assert (first_weights(dense) != 0).sum(axis=0).max() == 30
    assert (first_weights(sparse) != 0).sum(axis=0).max() <= 4
    assert sparse.get_params()["max_active_neurons"] == 4
    assert accumulator_width(sparse) <= accumulator_width(dense)
    assert sparse.score(X_test, y_test, fhe="simulate") > 0.8   # pruned without retraining
