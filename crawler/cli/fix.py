"""`python -m crawler fix`: propose registry edits from the newest snapshot; with --apply, make them in place."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from crawler.cli.common import (
    add_confirm_after,
    add_crawl_options,
    add_output_options,
    add_registry_option,
    add_verbosity,
    new_parser,
)

EXAMPLES = """\
  python -m crawler fix                                # the proposed edits, as a diff of registry.yaml
  python -m crawler fix --apply                        # make them; each changed line gets
                                                       #   "# was OLD-URL (crawler fix YYYY-MM-DD)"
  python -m crawler fix --check                        # exit 1 when there is something to fix (CI gate)
  python -m crawler fix --offline                      # no network: http:// links are not tried as https://
  python -m crawler fix --accept-archived URL --apply  # record the archived copy of a dead link (archived: key)
  python -m crawler fix --snapshot old/latest.json --registry my.yaml

Proposed: permanent redirects, GitHub renames and transfers, Hugging Face renames, http:// links whose
https:// form works, non-canonical GitHub URLs, and moves a repository's README announces. Broken links
are never edited: the ones with an archived copy are listed, to accept with --accept-archived.
exit codes: 0 done (diff printed, or the edits written), 1 something to fix with --check,
2 no snapshot, a snapshot of another registry, an unwritable registry, or bad usage.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = new_parser(
        sub,
        "fix",
        "Propose registry edits (redirects, renames, https, canonical URLs) from the newest snapshot.",
        EXAMPLES,
    )
    add_registry_option(p)
    add_output_options(p)
    p.add_argument(
        "--snapshot", type=Path, default=None, metavar="PATH", help="snapshot to read (default: OUT/latest.json)"
    )
    p.add_argument("--apply", action="store_true", help="write the edits into the registry instead of printing a diff")
    p.add_argument("--check", action="store_true", help="exit 1 when there is something to fix")
    p.add_argument("--offline", action="store_true", help="do not check the https:// form of http:// links")
    p.add_argument(
        "--accept-archived",
        action="append",
        default=[],
        metavar="URL",
        help="add the snapshot's archived copy of this broken link as its archived: key (repeatable)",
    )
    p.add_argument("--plan", type=Path, default=None, metavar="FILE", help="also write the plan as JSON to FILE")
    add_confirm_after(p)
    add_crawl_options(p)
    add_verbosity(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from crawler.errors import RegistryError, UsageError
    from crawler.files import atomic_write_text
    from crawler.fix.edit import apply_edits, registry_diff
    from crawler.fix.plan import Edit, https_candidates, plan_fixes, summary_lines
    from crawler.registry import display_path, load_registry
    from crawler.snapshot import load_snapshot

    loaded = load_registry(args.registry)
    shown = display_path(loaded.path)
    snapshot_path = args.snapshot or args.out / "latest.json"
    snapshot = load_snapshot(snapshot_path)
    candidates = https_candidates(loaded.registry, snapshot)
    https_ok: dict[str, bool] = {}
    if candidates and not args.offline:
        https_ok = _check_https(args, loaded.registry.config, list(candidates.values()))
    plan = plan_fixes(
        loaded.registry,
        snapshot,
        registry_name=shown,
        snapshot_name=str(snapshot_path),
        registry_sha256=loaded.sha256,
        today=datetime.now(UTC).date(),
        https_ok=https_ok,
        accept_archived=args.accept_archived,
        confirm_after=args.confirm_after,
    )
    if candidates and args.offline:
        plan.notes.append(f"{len(candidates)} http:// link(s) not tried as https:// (--offline)")
    elif candidates and not https_ok:  # the engine's NetworkDown: not one https form gave any HTTP answer
        plan.notes.append(
            f"{len(candidates)} http:// link(s) kept: none of their https:// forms answered at all "
            "(no TLS on those hosts, or the network is down)"
        )
    refused: list[tuple[Edit, str]] = []  # an odd link is left for a person; the others are still fixed
    new_text = apply_edits(loaded.text, plan.edits, today=plan.date, filename=shown, refused=refused)
    for edit, message in refused:
        plan.edits.remove(edit)
        note = f"{edit.old_url}: not edited: {message}"
        if note not in plan.notes:  # an aliased link is refused once per place it is read
            plan.notes.append(note)
    if args.plan is not None:
        try:
            atomic_write_text(args.plan, plan.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            raise UsageError(f"{args.plan}: cannot write the plan: {exc.strerror or exc}.") from None
    if args.apply and new_text != loaded.text:
        target = loaded.path.resolve()  # a symlinked registry is edited where it lives, the link kept
        if not os.access(target, os.W_OK):
            raise RegistryError(f"{shown}: cannot write it (permission denied); nothing was changed.")
        try:
            mode = target.stat().st_mode & 0o7777
            atomic_write_text(target, new_text)
            os.chmod(target, mode)  # the new file keeps the registry's permissions, not the writer's 0644
        except OSError as exc:
            raise RegistryError(f"{shown}: cannot write it: {exc.strerror or exc}; nothing was changed.") from None
    elif not args.apply:
        sys.stdout.write(registry_diff(loaded.text, new_text, shown))
        sys.stdout.flush()
    if args.quiet == 0:
        lines = summary_lines(plan)
        if args.apply and plan.edits:
            lines[-1] = f"wrote {len(plan.edits)} edit{'' if len(plan.edits) == 1 else 's'} to {shown}"
        elif plan.edits:
            lines[-1] += " (run with --apply to make them)"
        for line in lines:
            print(line, file=sys.stderr)
    return 1 if args.check and plan.has_edits else 0


def _check_https(args: argparse.Namespace, config: object, forms: list[str]) -> dict[str, bool]:
    import anyio

    from crawler.config import check_options_for
    from crawler.fix.https import check_https
    from crawler.models import CrawlConfig
    from crawler.settings import Settings

    assert isinstance(config, CrawlConfig)
    settings = Settings.from_env()
    options = check_options_for(
        config,
        settings,
        concurrency=args.concurrency,
        host_concurrency=args.host_concurrency,
        timeout=args.timeout,
        allow_private=args.allow_private,
    )
    return anyio.run(check_https, forms, settings, options)
