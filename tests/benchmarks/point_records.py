"""Point records as the engine writes them (one per job), for the analysis and report tests."""


def point(defence, parameter, validation, test, clone, **fields):
    """
    :return: A point of scenario ``s``, KnockoffNets on query set ``x``, soft labels, seed 0, with the defender's
             validation and test accuracy and the clone's accuracy (its validation accuracy the same unless
             ``clone_accuracy_validation`` is given); ``fields`` sets or adds any other field.
    """
    record = {
        "scenario": "s",
        "attack": "knockoff:x",
        "labels": "soft",
        "seed": 0,
        "defence": defence,
        "parameter": parameter,
        "defender_accuracy_validation": validation,
        "defender_accuracy": test,
        "clone_accuracy": clone,
        "clone_accuracy_validation": clone,
    }
    record.update(fields)
    return record
