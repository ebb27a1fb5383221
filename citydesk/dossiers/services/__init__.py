"""Writes of the one-stop subsystem: receiving dossiers and moving them through their process."""

from citydesk.dossiers.services.applicants import Applicant, applicant_from
from citydesk.dossiers.services.intake import Received, Upload, dossier_receive, intake_problems
from citydesk.dossiers.services.moves import dossier_transition

__all__ = [
    "Applicant",
    "Received",
    "Upload",
    "applicant_from",
    "dossier_receive",
    "dossier_transition",
    "intake_problems",
]
