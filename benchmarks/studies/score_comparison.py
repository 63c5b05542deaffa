"""
Adaptive Misinformation with each out-of-distribution score of :mod:`art_am.defences.ood_scores`, on a scenario's
trained defender (which score catches JBDA's synthetic queries).

    python -m benchmarks.studies.score_comparison --preset paper --scenario mnist --data-root ../shared/data

1. The scores are fitted: feature scores and the sign-step detector on the training split; the combination's reference
   ranks and every threshold on the first half of the benign evaluation images (the test split after JBDA's seeds).
   A budget of 0.005 is the largest threshold whose defended accuracy on that half is at most 0.5 pp below the normally
   trained defender's (the undefended baseline of ``benchmarks.run``).
2. Jobs (saved atomically under ``--run-dir``; a re-run resumes; ``--shard K/N`` splits them between processes):
   undefended JBDA for each step lambda (soft labels, against the normally trained defender), whose queries are kept;
   a clone of the seeds alone (what truthful answers to them give away); then, for each score, benign-accuracy budget
   and step, JBDA against the live defended classifier, and KnockoffNets on answers precomputed with the same
   formula. ``--jbda-seeds N`` repeats the soft-label JBDA jobs with clone seeds 1..N-1; ``--argmax-scores`` adds
   argmax-label JBDA jobs for the scores named.
3. The report (``--report-only``, after the jobs): AUROC of each score for benign evaluation images against each
   KnockoffNets query set and against JBDA's queries of every round and step; each score's operating points
   (threshold, defended accuracy, misinformation rates); the clones (mean ± std over seeds); AM's inference overhead
   with each score; a figure of clone accuracy per attack and score.
"""

from __future__ import annotations

import os

from art_am.atomic import write_text_atomic
from benchmarks.cli import add_run_arguments, parse_shard, scenario_parser, selected_scenarios, write_output
from benchmarks.executors import add_executor_arguments
from benchmarks.studies.score_candidates import SCORE_NAMES
from benchmarks.studies.score_report import curve_figure, figure, markdown
from benchmarks.studies.score_study import ScoreStudy, study_scenario


def main(argv: list[str] | None = None) -> None:
    parser = scenario_parser(__doc__)
    add_executor_arguments(parser)
    add_run_arguments(parser, run_dir="runs/ood_scores")
    parser.add_argument("--scores", default=",".join(SCORE_NAMES), help="comma-separated subset of %(default)s")
    parser.add_argument("--budgets", default="0.005", help="benign-accuracy budgets (fractions), comma-separated")
    parser.add_argument("--steps", default="0.1,0.03,0.01", help="JBDA steps lambda, comma-separated")
    parser.add_argument("--sources", default=None, help="KnockoffNets query sources (default all; 'none' for none)")
    parser.add_argument(
        "--detector-images", type=int, default=None, help="training images of the sign detector (default: scenario's)"
    )
    parser.add_argument("--jbda-seeds", type=int, default=1, help="repeat soft-label JBDA with clone seeds 0..N-1")
    parser.add_argument("--argmax-scores", default="", help="scores to run JBDA with argmax labels against too")
    parser.add_argument("--nu", type=float, default=None, help="AM's switch steepness (default: the scenario's)")
    args = parser.parse_args(argv)
    args.scores = args.scores.split(",")
    unknown = set(args.scores) - set(SCORE_NAMES)
    args.argmax_scores = [name for name in args.argmax_scores.split(",") if name]
    unknown |= set(args.argmax_scores) - set(SCORE_NAMES)
    if unknown:
        parser.error(f"unknown scores {sorted(unknown)}; choose from {SCORE_NAMES}")
    args.budgets = [float(b) for b in args.budgets.split(",")]
    args.steps = [float(s) for s in args.steps.split(",")]
    if args.executor == "ray" and args.cpus_per_job is None:
        args.cpus_per_job = 1
    try:
        shard = parse_shard(args.shard)
    except ValueError as error:
        parser.error(str(error))
    for scenario in selected_scenarios(args):
        study = ScoreStudy(study_scenario(args, scenario), args)
        if args.report_only:
            result = study.report()
            write_output(args.output or os.path.join(study.folder, "report.json"), result)
            write_text_atomic(os.path.join(study.folder, "report.md"), markdown(result))
            figure(result, os.path.join(study.folder, f"ood-scores-{scenario.name}.png"))
            curve_figure(result, os.path.join(study.folder, f"ood-scores-curves-{scenario.name}.png"))
        else:
            study.run(shard)


if __name__ == "__main__":
    main()
