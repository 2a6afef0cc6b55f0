"""Code links: every asset and every asset check names the function that computes it, so "view source" in the Dagster
UI opens it (dagster-open-platform does the same). Assets get Dagster's `with_source_code_references`; checks carry
the same reference in their metadata (`dagster/code_references`): the function that yields their result (a
multi-asset's body, or the check's own function).

References are local files (absolute paths, which the UI's "open in editor" opens) unless LLO_GIT_URL names the
repository's web address: then each is mapped to its path in the repository (REPOSITORY, anchored at pyproject.toml)
and linked on LLO_GIT_BRANCH (default main)."""

import inspect
import warnings
from pathlib import Path

import dagster as dg

from llo import settings

CODE_REFERENCES = "dagster/code_references"
with warnings.catch_warnings():  # a beta API of Dagster 1.13
    warnings.simplefilter("ignore", dg.BetaWarning)
    REPOSITORY = dg.AnchorBasedFilePathMapping(local_file_anchor=settings.PROJECT_ROOT / "pyproject.toml",
                                               file_anchor_path_in_repository="pyproject.toml")
PLATFORMS = {"github": "tree", "gitlab": "-/tree"}


def reference(fn) -> dg.LocalFileCodeReference | dg.UrlCodeReference:
    """Where `fn` is: its file and first line, or its address in the repository when LLO_GIT_URL is set."""
    fn = inspect.unwrap(fn)
    local = dg.LocalFileCodeReference(file_path=str(Path(inspect.getsourcefile(fn)).resolve()),
                                      line_number=inspect.getsourcelines(fn)[1])
    url = settings.git_url()
    if not url:
        return local
    platform = next((p for p in PLATFORMS if p in url), None)
    if platform is None:
        raise settings.ConfigurationError(f"LLO_GIT_URL must be a GitHub or GitLab address, not '{url}'")
    path = REPOSITORY.convert_to_source_control_path(Path(local.file_path))
    return dg.UrlCodeReference(url=f"{url}/{PLATFORMS[platform]}/{settings.git_branch()}/{path}#L{local.line_number}",
                               label=fn.__name__)


def computed_by(definition) -> object:
    """The Python function of an asset's or check's op: the one that yields its results."""
    fn = definition.node_def.compute_fn
    return getattr(fn, "decorated_fn", fn)


def with_code_links(definition):
    """`definition` (assets or checks) with a code reference on every asset and every check it defines. (Code
    references are a beta API of Dagster 1.13: its warnings about that are silenced here, in the one place.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return _with_code_links(definition)


def _with_code_links(definition):
    ref = dg.CodeReferencesMetadataValue(code_references=[reference(computed_by(definition))])
    if definition.keys:
        definition = definition.map_asset_specs(
            lambda spec: spec.replace_attributes(metadata={**spec.metadata, CODE_REFERENCES: ref}))
    specs = definition.node_check_specs_by_output_name
    if not specs:
        return definition
    attributes = definition.get_attributes_dict()
    attributes["check_specs_by_output_name"] = {
        name: spec.with_metadata({**spec.metadata, CODE_REFERENCES: ref}) for name, spec in specs.items()}
    return definition.__class__(**attributes)
