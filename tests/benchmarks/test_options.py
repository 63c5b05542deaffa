"""The run's typed options: the command line and Python build the same value."""

import argparse

import pytest

from benchmarks.options import RunOptions
from benchmarks.run import _as_flags, build_parser


def test_the_command_line_defaults_are_the_dataclass_defaults():
    assert RunOptions.from_arguments(build_parser().parse_args([])) == RunOptions().resolved()
    assert RunOptions().resolved().run_dir == "runs/quick"
    assert RunOptions(executor="ray").resolved().cpus_per_job == 1


@pytest.mark.parametrize(
    "options",
    [
        RunOptions(preset="micro", seeds=3, progress=False, skip_overhead=True),
        RunOptions(preset="cifar10-fast", seed_list="1,2", attacks="jbda", defences="am-0.2,dcp", run_dir="r"),
        RunOptions(executor="ray", gpus_per_job=0.25, ray_num_cpus=4, shard="1/3", report_only=True),
    ],
)
def test_options_written_as_flags_parse_back_to_themselves(options):
    flags = _as_flags(options.resolved())
    assert RunOptions.from_arguments(build_parser().parse_args(flags)) == options.resolved()


def test_a_command_line_setting_without_a_field_is_refused():
    arguments = build_parser().parse_args([])
    extended = argparse.Namespace(**vars(arguments), new_flag=1)
    with pytest.raises(ValueError, match="new_flag"):
        RunOptions.from_arguments(extended)


def test_the_run_log_keeps_arts_per_job_info_lines_quiet_and_its_own():
    """ART logs 'Inferred N hidden layers' at INFO for every classifier, i.e. once per job; its warnings still show."""
    import logging  # pylint: disable=import-outside-toplevel

    from benchmarks.run import configure_logging  # pylint: disable=import-outside-toplevel

    art_logger = logging.getLogger("art.estimators.classification.pytorch")
    configure_logging()
    assert not art_logger.isEnabledFor(logging.INFO) and art_logger.isEnabledFor(logging.WARNING)
    assert logging.getLogger("benchmarks.model_cache").isEnabledFor(logging.INFO)
