"""Bad input gives one line naming the problem and the documented exit code; --help is fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from aekit.cli import build_parser, command_modules
from aekit.cli._errors import DATA_ERROR, INTERNAL_ERROR, MISSING_DEPENDENCY, USAGE_ERROR, classify


@pytest.fixture(scope="module")
def model(files, tmp_path_factory):
    """A small autoencoder fitted on the six feature columns of the table."""
    from aekit.cli import main

    path = tmp_path_factory.mktemp("err") / "ae.aekit"
    code = main(["-q", "fit", str(files["csv"]), "-o", str(path), "--drop-columns", "id,label",
                 "--epochs", "2"])  # fmt: skip
    assert code == 0
    return path


def one_error_line(r) -> str:
    """The single stderr line of a failed run (no traceback)."""
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1, r.err
    assert lines[0].startswith("aekit: error: ") and "Traceback" not in r.err
    return lines[0]


def test_missing_data_file(aekit, model, tmp_path):
    r = aekit("score", model, tmp_path / "nope.csv")
    assert r.code == DATA_ERROR
    assert "nope.csv: no such file" in one_error_line(r)


def test_missing_model_file(aekit, files, tmp_path):
    r = aekit("encode", tmp_path / "nope.aekit", files["csv"])
    assert r.code == DATA_ERROR and "nope.aekit: no such model file" in one_error_line(r)
    r = aekit("info", tmp_path)
    assert r.code == DATA_ERROR and "is a folder; an aekit model file is a single file" in r.err


def test_corrupted_model_file(aekit, files, tmp_path):
    bad = tmp_path / "bad.aekit"
    bad.write_bytes(b"not a zip at all")
    r = aekit("encode", bad, files["csv"])
    assert r.code == DATA_ERROR and "bad.aekit" in one_error_line(r)


def test_text_in_a_numeric_column(aekit, model, files):
    r = aekit("score", model, files["text_in_numbers"])
    line = one_error_line(r)
    assert r.code == DATA_ERROR
    assert "'f2'" in line and "'abc'" in line and "row 8" in line


def test_missing_values(aekit, model, files, tmp_path):
    path = tmp_path / "holes.csv"
    text = files["csv"].read_text().splitlines()
    cells = text[3].split(",")
    cells[4] = ""  # column f3, data row 3
    path.write_text("\n".join([*text[:3], ",".join(cells), *text[4:]]))
    line = one_error_line(r := aekit("score", model, path))
    assert r.code == DATA_ERROR and "'f3'" in line and "missing value" in line and "row 3" in line


def test_text_in_a_numeric_column_while_fitting(aekit, files, tmp_path):
    r = aekit("fit", files["text_in_numbers"], "-o", tmp_path / "m.aekit", "--epochs", "1")
    assert r.code == DATA_ERROR and "'f2'" in one_error_line(r)
    assert not (tmp_path / "m.aekit").exists()


def test_a_text_column_is_named_with_the_way_out(aekit, files, tmp_path):
    import pandas as pd

    path = tmp_path / "colors.csv"
    pd.read_csv(files["csv"]).assign(color="red").to_csv(path, index=False)
    r = aekit("fit", path, "-o", tmp_path / "m.aekit")
    line = one_error_line(r)
    assert r.code == DATA_ERROR and "'color'" in line and "--drop-columns color" in line


def test_a_date_column_points_to_the_series_option(aekit, model, files):
    r = aekit("score", model, files["series"])
    line = one_error_line(r)
    assert r.code == DATA_ERROR and "holds dates" in line and "--timestamp-column timestamp" in line


def test_data_of_another_kind_than_the_model(aekit, model, files, tmp_path):
    r = aekit("score", model, files["images"])
    line = one_error_line(r)
    assert r.code == DATA_ERROR and "images, but the model was trained on a table" in line
    img = tmp_path / "img.aekit"
    assert aekit("-q", "fit", files["images"], "-o", img, "--epochs", "1").code == 0
    r = aekit("encode", img, files["csv"], "--drop-columns", "id,label")
    line = one_error_line(r)
    assert r.code == DATA_ERROR and "a table, but the model was trained on images" in line


def test_columns_the_model_needs_are_missing(aekit, model, files):
    r = aekit("score", model, files["missing_column"])
    line = one_error_line(r)
    assert r.code == DATA_ERROR and "'f3'" in line and "missing" in line


def test_wrong_number_of_features_for_an_array_model(aekit, files, tmp_path):
    import numpy as np

    m = tmp_path / "npy.aekit"
    assert aekit("-q", "fit", files["npy"], "-o", m, "--epochs", "1").code == 0
    np.save(tmp_path / "five.npy", np.zeros((4, 5)))
    r = aekit("encode", m, tmp_path / "five.npy")
    assert r.code == DATA_ERROR and "5 feature columns" in one_error_line(r)


def test_unreadable_file(aekit, model, files):
    r = aekit("score", model, files["not_a_table"])
    assert r.code == DATA_ERROR and "garbage.csv" in one_error_line(r)


def test_unknown_drop_column(aekit, model, files):
    r = aekit("score", model, files["csv"], "--drop-columns", "nothere")
    assert r.code == DATA_ERROR and "no column 'nothere'" in one_error_line(r)


def test_wrong_kind_of_model(aekit, model):
    r = aekit("sample", model)
    assert r.code == DATA_ERROR and "needs a VAE" in one_error_line(r)


@pytest.mark.parametrize("args", [
    ("fit",),                                    # DATA and -o missing
    ("score", "m", "d", "--contamination", "0.9"),  # out of (0, 0.5]
    ("score", "m", "d", "--threshold", "nan"),   # would flag no row
    ("score", "m", "d", "--threshold", "inf"),
    ("--device", "gpu", "info", "m"),
    ("--seed", "-1", "info", "m"),              # numpy seeds from 0 to 2**32 - 1
    ("--seed", "4294967296", "info", "m"),
    ("fit", "d", "-o", "m", "--model", "gan"),
    ("tune", "d", "-o", "m", "--timeout", "0"),
    ("tune", "d", "-o", "m", "--timeout", "inf"),
    ("nosuchcommand",),
])  # fmt: skip
def test_usage_errors_exit_2(aekit, args):
    assert aekit(*args).code == USAGE_ERROR


def test_bad_output_suffix_is_refused_before_work(aekit, model, files, tmp_path):
    r = aekit("encode", model, files["csv"], "-o", tmp_path / "codes.xlsx")
    assert r.code == USAGE_ERROR and ".xlsx" in one_error_line(r)


def test_debug_shows_the_traceback(aekit, tmp_path, files):
    r = aekit("--debug", "score", tmp_path / "nope.aekit", files["csv"])
    assert r.code == DATA_ERROR and "Traceback" in r.err


def test_exceptions_map_to_exit_codes():
    from aekit.readers import MissingDependencyError

    assert classify(ValueError("x"))[0] == DATA_ERROR
    assert classify(FileNotFoundError(2, "No such file", "a.csv")) == (DATA_ERROR,
                                                                        "a.csv: No such file")
    assert classify(MissingDependencyError("pip install pyarrow"))[0] == MISSING_DEPENDENCY
    code, message = classify(RuntimeError("oops"))
    assert code == INTERNAL_ERROR and "--debug" in message


def test_every_command_has_help_with_an_example(capsys):
    names = [m.NAME for m in command_modules()]
    assert names == ["demo", "fit", "encode", "reconstruct", "score", "sample", "tune",
                     "report", "info"]  # fmt: skip
    parser = build_parser()
    for name in names:
        with pytest.raises(SystemExit) as e:
            parser.parse_args([name, "--help"])
        assert e.value.code == 0
        assert "example" in capsys.readouterr().out


def _run(*code_or_args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *code_or_args], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip


def test_help_imports_no_heavy_package():
    code = (
        "import sys, json\n"
        "from aekit.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for name in ['fit', 'score', 'report']:\n"
        "    try:\n        main([name, '--help'])\n    except SystemExit:\n        pass\n"
        "heavy = ['torch', 'sklearn', 'pandas', 'matplotlib', 'scipy', 'pyarrow', 'PIL']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    r = _run("-c", code)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []


def test_the_real_process_exit_code_and_one_line(files, tmp_path):
    r = _run("-m", "aekit.cli", "score", str(tmp_path / "nope.aekit"), str(files["csv"]),
             env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert r.returncode == DATA_ERROR
    assert r.stderr.strip().count("\n") == 0 and "nope.aekit" in r.stderr


def test_demo_checks_its_options_before_training(aekit, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    r = aekit("-q", "demo", "-o", tmp_path / "taken")
    assert r.code == DATA_ERROR and "is not a folder" in one_error_line(r)
    r = aekit("-q", "demo", "-o", tmp_path / "d", "--latent-dim", "100")
    assert r.code == DATA_ERROR and "from 1 to 64" in one_error_line(r)
    assert aekit("demo", "--epochs", "0").code == USAGE_ERROR


def test_options_that_would_do_nothing_are_refused(aekit, model, files, tmp_path):
    for args, named in (
        (("encode", model, files["csv"], "--image-size", "3x3", "--color", "rgb"),
         "--image-size and --color do not apply"),
        (("score", model, files["npy"], "--color", "grayscale"), "--color does not apply"),
        (("fit", files["images"], "-o", tmp_path / "m.aekit", "--sep", ";"),
         "--sep does not apply"),
        (("encode", model, files["csv"], "--drop-columns", "id,label", "--stride", "5"),
         "--stride applies to a model of series windows"),
    ):  # fmt: skip
        r = aekit(*args)
        assert r.code == USAGE_ERROR and named in one_error_line(r), (args, r)
