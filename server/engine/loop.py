"""The LessonL loop (../shared/lessonl-algorithm.md): the one implementation every face calls.

Per round: select k lessons -> all agents rewrite the ORIGINAL function concurrently -> each
candidate is extracted, spliced and judged (builds in parallel, timings serialised by the
judge) -> its agent writes a lesson about it -> lessons are banked -> the lessons that were in
this round's prompts get their effectiveness factor adjusted. The answer is the fastest
candidate whose verdict is FASTER, from any round.

Beyond the paper (documented in docs/design.md): the bank persists per repository, so round 0
also gets lessons when the bank already holds some from earlier runs (relevance decides which).
An agent that fails is skipped with a warning; if every agent fails in a round, the job stops:
with an AgentError if nothing verified was found yet, else with the verified result so far and
a warning (throwing away a verified speedup because the endpoint went down later helps nobody).
The baseline check runs concurrently with round 1's code requests (judging waits for it), so
model latency and the user's build overlap; its error wins over the errors it causes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

from lessonl_store import make_relevance
from lessonl_store.records import Lesson, Provenance, StoredResult

from .. import prompts
from ..bankaccess import open_repository_bank, provenance
from ..agents import AgentClient
from ..cancel import CancelToken, until_cancelled
from ..code import locate, prompt_context, unified_diff
from ..config import load_config
from ..config.buildflags import code_settings
from ..errors import AgentError, Cancelled, ConfigError, LessonLError
from ..judge import CheckTarget, Judge
from ..records import Attempt, Candidate, Outcome, ProgressEvent, TokenUsage, Verdict
from .candidates import make_candidate, rejected_verdict
from .lessons import clean_lesson, lesson_for
from .profiled import PromptProfile, prompt_profile, summary as profile_summary, wanted as profile_wanted
from .request import OptimizeRequest
from .summary import describe
from .result import OptimizationResult
from .target import Target, resolve_target

log = logging.getLogger(__name__)

Progress = Callable[[ProgressEvent], Any]
LESSON_FREQUENCY_PENALTY = 0.5  # the reference's setting for lesson requests


async def optimize(request: OptimizeRequest, on_progress: Progress | None = None,
                   cancel: CancelToken | None = None, *, judge: Judge | None = None) -> OptimizationResult:
    """Run the whole loop for one function; raises LessonLError subclasses (Cancelled included).

    `judge`: one shared by several jobs of the same repository and settings (a batch), so that
    its gate holds every job's builds back while any of them times (its own is made otherwise)."""
    from ..localmodel import EMBEDDED_HINT, is_embedded, local_models, with_embedded_default

    cancel = cancel or CancelToken()
    root = Path(request.root).resolve()
    config = load_config(root, request.overrides)
    target = resolve_target(root, request)
    # No model configured and none answering: the bundled tiny model, served locally. Agents that
    # name a GGUF file get a managed llama.cpp server for the length of the job.
    config = await asyncio.to_thread(with_embedded_default, config)
    async with local_models(config) as local:
        job = _Job(request, local.config, target, on_progress, cancel, judge)
        try:
            result = await job.run()
        except asyncio.CancelledError:  # the caller's task was cancelled: tear down like a cancel
            cancel.cancel()
            raise
        finally:
            await job.close()
    if any(is_embedded(agent) for agent in local.config.agents):
        result.warnings.append(EMBEDDED_HINT)
        result.message = f"{result.message.rstrip('.')}. {EMBEDDED_HINT}"
    return result


def child_token(parent: CancelToken) -> tuple[CancelToken, Callable[[], None]]:
    """A token cancelled with its parent, or on its own (a timeout); returns (token, detach)."""
    child = CancelToken()
    detach = parent.on_cancel(child.cancel)
    return child, detach


class _Job:
    """State of one optimization: agents, bank, judge, attempts so far."""

    def __init__(self, request: OptimizeRequest, config: Any, target: Target,
                 on_progress: Progress | None, cancel: CancelToken, judge: Judge | None = None) -> None:
        self.started = time.monotonic()
        self.result_key = request.result_key
        self.config = config
        self.loop_cfg = config.loop
        self.target = target
        self.cancel = cancel
        self.on_progress = on_progress
        if not config.agents:
            raise ConfigError("no agents configured", key="agents",
                              hint="add an [[agents]] entry, or pass --base-url and --model")
        env = {**os.environ, **(request.agent_env or {})}
        self.agents = [AgentClient(a, env=env) for a in config.agents]
        self.bank = open_repository_bank(root_path(config), config.bank)
        self.provenance: Provenance | None = None  # where lessons are learned now (run() fills it in)
        self.relevance: Any = None  # made in run(), off the loop: the local backend loads a model
        self.lexical: Any = None  # the fallback when the configured relevance backend fails
        self.judge = judge or Judge(config)
        self.check_target = CheckTarget(target.ref, target.text)
        self.attempts: list[Attempt] = []
        self.warnings: list[str] = []
        self.judge_s = 0.0
        self.rounds_run = 0
        self.total = int(self.loop_cfg.rounds) * len(self.agents)
        # the benchmark's profile for the code prompts, the same in every prompt of the job
        self.use_profile = profile_wanted(config, request.use_profile)
        self.profile = PromptProfile(wanted=False)

    async def close(self) -> None:
        await asyncio.gather(*(a.close() for a in self.agents), return_exceptions=True)
        close = getattr(self.bank, "close", None)
        if callable(close):
            close()

    # ---- progress -----------------------------------------------------------------------------
    def emit(self, kind: str, **fields: Any) -> None:
        if self.on_progress is None:
            return
        best = self.best()
        event = ProgressEvent(kind=kind, rounds=int(self.loop_cfg.rounds), judged=len(self.attempts),
                              total=self.total, best_speedup=best.verdict.speedup if best else None, **fields)
        try:
            self.on_progress(event)
        except Exception:  # a broken display must not stop the job
            log.exception("progress callback failed")

    def warn(self, message: str, round_: int = 0, agent: str = "") -> None:
        self.warnings.append(message)
        self.emit("warning", round=round_, agent=agent, message=message)

    # ---- the loop -------------------------------------------------------------------------------
    async def run(self) -> OptimizationResult:
        ref = self.target.ref
        rounds = int(self.loop_cfg.rounds)
        self.emit("started", message=f"optimizing {ref.qualified_name} in {ref.file}: {rounds} rounds x "
                                     f"{len(self.agents)} agents")
        for warning in getattr(self.bank, "warnings", None) or []:  # e.g. a corrupt bank moved aside
            self.warn(warning)
        self.cancel.raise_if_cancelled()
        self.relevance = await self.off_loop(make_relevance, self.config.relevance, self.bank)
        self.provenance = await provenance(root_path(self.config), self.target.file_rel)
        # The baseline check (build, test, bench of the unchanged code) runs while the agents
        # write round 1: model latency and the user's build overlap instead of adding up.
        self.baseline_token, detach = child_token(self.cancel)
        self.baseline = asyncio.ensure_future(self.check_baseline())
        try:
            # [code] from the config, else what the build says (compile_commands.json, CMake, make)
            code = await asyncio.to_thread(code_settings, self.config, self.target.file_rel)
            context = prompt_context(self.target.text, ref, self.target.language,
                                     standard=code.standard, flags=code.flags)
            await self.obtain_profile()
            for round_ in range(rounds):
                self.cancel.raise_if_cancelled()
                lessons = await self.select_lessons(round_)
                self.emit("round_started", round=round_,
                          message=f"round {round_ + 1}/{rounds} with {len(lessons)} lessons")
                attempts = await self.run_round(round_, context, lessons)
                self.rounds_run = round_ + 1
                if attempts is None:
                    break
                if lessons:
                    self.bank.adjust_factors([l.id for l in lessons],
                                             [a.verdict.effective_speedup for a in attempts])
            await asyncio.shield(self.baseline)  # a broken baseline is reported even if nothing was built
            return self.finish()
        finally:
            if not self.baseline.done():
                self.baseline_token.cancel()
                await asyncio.wait([self.baseline], timeout=5)
            if self.baseline.done() and not self.baseline.cancelled():
                self.baseline.exception()  # retrieved: no "exception never retrieved" noise
            detach()

    async def obtain_profile(self) -> None:
        """Where the benchmark's time goes in the target (lessonl.profile), before round 1's
        prompts, while the baseline check builds. Never fails the job: without a figure the
        prompts go out without it and a warning says why."""
        if not self.use_profile:
            return
        name = self.target.ref.qualified_name
        self.emit("profiling", message=f"profiling the benchmark to see where {name} spends its time")
        limit = float(getattr(self.loop_cfg, "run_timeout", 300) or 300)
        token, detach = child_token(self.cancel)

        def stop_if_baseline_failed(_: asyncio.Future) -> None:
            if self.baseline_failure() is not None:
                token.cancel()

        self.baseline.add_done_callback(stop_if_baseline_failed)
        # the profiled run is work like a build: never beside a timing phase of this judge (a batch)
        gate = getattr(self.judge, "gate", None)
        try:
            async with gate.work() if gate is not None else contextlib.nullcontext():
                self.profile = await prompt_profile(root_path(self.config), self.config, self.target.ref,
                                                    cancel=token, limit=limit)
        except Cancelled:
            if not self.cancel.cancelled:
                await asyncio.shield(self.baseline)  # the broken baseline is the job's error
            raise
        finally:
            self.baseline.remove_done_callback(stop_if_baseline_failed)
            detach()
        self.emit("profiled", message=profile_summary(self.profile, name))
        if self.profile.problem:
            self.warn(f"prompts carry no profile: {self.profile.problem}")
        elif self.profile.slow:
            self.warn(f"profiling the benchmark took {self.profile.wall_s:.0f} s before round 1 "
                      "([profile] prompt = false or --no-profile skips it)")

    async def check_baseline(self) -> None:
        started = time.monotonic()
        try:
            report = await self.judge.check_baseline(self.target.ref.qualified_name, cancel=self.baseline_token,
                                                     target=self.check_target)
            for warning in report.warnings:
                if warning not in self.warnings:
                    self.warn(warning)
        finally:
            self.judge_s += time.monotonic() - started

    def baseline_failure(self) -> BaseException | None:
        """The baseline's own error (not a cancellation): it explains every other failure."""
        if not self.baseline.done() or self.baseline.cancelled():
            return None
        error = self.baseline.exception()
        return None if error is None or isinstance(error, Cancelled) else error

    async def select_lessons(self, round_: int) -> list[Lesson]:
        """k lessons for this round's prompts (round 0 too when the persistent bank has some):
        the target's own lessons as the paper says, and relevant lessons of other functions of
        the repository in a compatible language (LessonBank.select).

        Selection runs in a thread: the embeddings backend waits on its endpoint and the local
        one computes vectors, and neither may block the event loop or a cancel. If the
        configured backend fails, this round's lessons are chosen lexically, with a warning: a
        relevance endpoint being down is no reason to lose the job."""
        k = int(self.loop_cfg.k)
        if k <= 0:
            return []
        try:
            lessons = await self.off_loop(self._select, k, self.relevance)
        except (Cancelled, asyncio.CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - any backend failure: the lexical one takes over
            if self.relevance.name == "lexical":
                raise
            reason = exc.message if isinstance(exc, LessonLError) else f"{exc.__class__.__name__}: {exc}"
            self.warn(f"relevance backend \"{self.relevance.name}\" failed in round {round_ + 1} ({reason}); "
                      "this round's lessons were chosen by lexical relevance", round_)
            if self.lexical is None:
                self.lexical = make_relevance({"backend": "lexical"}, self.bank)
            lessons = await self.off_loop(self._select, k, self.lexical)
        if lessons:
            self.bank.mark_used([l.id for l in lessons])
        return list(lessons)

    def _select(self, k: int, relevance: Any) -> list[Lesson]:
        ref = self.target.ref
        return self.bank.select(k, ref.text, relevance, significant=float(self.loop_cfg.significant_speedup),
                                function=(self.target.file_rel, ref.qualified_name), prefer=self.provenance)

    async def off_loop(self, work: Callable[..., Any], *args: Any) -> Any:
        """`work(*args)` in a thread, abandoned (its result dropped) if the job is cancelled."""
        return await until_cancelled(asyncio.to_thread(work, *args), self.cancel)

    async def run_round(self, round_: int, context: str, lessons: list[Lesson]) -> list[Attempt] | None:
        """All agents, concurrently; each: code -> candidate -> verdict -> lesson. Returns this
        round's attempts in agent order, or None when every agent failed after a verified win."""
        token, detach = child_token(self.cancel)

        def stop_round_if_baseline_failed(_: asyncio.Future) -> None:
            if self.baseline_failure() is not None:
                token.cancel()

        self.baseline.add_done_callback(stop_round_if_baseline_failed)
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self.guarded(agent, round_, context, lessons, token))
                         for agent in self.agents]
        except BaseExceptionGroup as group_error:
            token.cancel()  # kill whatever the other agents' evaluations still run
            raise (self.baseline_failure() or _first_error(group_error)) from None
        finally:
            self.baseline.remove_done_callback(stop_round_if_baseline_failed)
            detach()
        results = [t.result() for t in tasks]
        attempts = [r for r in results if isinstance(r, Attempt)]
        failures = [r for r in results if isinstance(r, AgentError)]
        if attempts:
            return attempts
        reasons = "; ".join(f.message for f in failures)
        if self.best() is None:
            raise AgentError(f"all {len(self.agents)} agents failed in round {round_ + 1}: {reasons}",
                             key="agents", hint=failures[0].hint if failures else None)
        self.warn(f"stopped after round {round_}: all agents failed in round {round_ + 1} ({reasons})",
                  round_)
        return None

    async def guarded(self, agent: AgentClient, round_: int, context: str, lessons: list[Lesson],
                      token: CancelToken) -> Attempt | AgentError:
        """One agent's work; if it fails hard, the round's token stops the others' processes."""
        try:
            return await self.one_agent(agent, round_, context, lessons, token)
        except BaseException:
            token.cancel()
            raise

    async def one_agent(self, agent: AgentClient, round_: int, context: str, lessons: list[Lesson],
                        cancel: CancelToken) -> Attempt | AgentError:
        ref = self.target.ref
        significant = float(self.loop_cfg.significant_speedup)
        profile = self.config.profile
        messages = prompts.code_messages(ref, context, lessons, self.target.language,
                                         persona=agent.persona, significant=significant,
                                         profile=self.profile.share, profile_min_share=float(profile.min_share),
                                         profile_max_lines=int(profile.max_lines))
        # An agent without its own temperature uses [loop] temperature (the reference's 0.2).
        temperature = None if agent.temperature is not None else float(self.loop_cfg.temperature)
        try:
            reply = await agent.chat(messages, temperature=temperature, cancel=cancel)
        except AgentError as exc:
            self.warn(f"agent {agent.name} failed in round {round_ + 1}: {exc.message}", round_, agent.name)
            return exc
        candidate = make_candidate(self.target, agent.name, agent.model, round_, reply.text,
                                   [l.id for l in lessons])
        verdict = await self.evaluate(candidate, cancel)
        attempt = Attempt(candidate=candidate, verdict=verdict)
        self.attempts.append(attempt)
        for warning in verdict.warnings:
            self.warn(warning, round_, agent.name)
        self.emit("candidate_judged", round=round_, agent=agent.name, outcome=verdict.outcome.value,
                  speedup=verdict.speedup, message=verdict.message)
        await self.learn(agent, attempt, cancel)
        return attempt

    async def evaluate(self, candidate: Candidate, cancel: CancelToken) -> Verdict:
        """The judge's verdict, bounded by loop.run_timeout (a hung candidate is TIMEOUT)."""
        if candidate.rejection is not None or candidate.new_file_text is None:
            return rejected_verdict(candidate)
        await asyncio.shield(self.baseline)  # judging needs the baseline; raises its error
        limit = float(getattr(self.loop_cfg, "run_timeout", 300) or 300)
        token, detach = child_token(cancel)
        timer = asyncio.get_running_loop().call_later(limit, token.cancel)
        started = time.monotonic()
        try:
            return await self.judge.evaluate(self.target.file_rel, candidate.new_file_text,
                                             self.target.ref.qualified_name, token, target=self.check_target)
        except Cancelled:
            if cancel.cancelled:
                raise
            return Verdict(outcome=Outcome.TIMEOUT, message=f"evaluation took longer than run_timeout = "
                           f"{limit:g} s", log_tail=f"stopped after {limit:g} s (loop.run_timeout)")
        finally:
            self.judge_s += time.monotonic() - started
            timer.cancel()
            detach()

    async def learn(self, agent: AgentClient, attempt: Attempt, cancel: CancelToken) -> None:
        """Ask the agent why its attempt turned out as it did; bank the answer."""
        candidate, verdict = attempt.candidate, attempt.verdict
        messages = prompts.lesson_messages(self.target.ref, candidate.code or candidate.reply, verdict,
                                           persona=agent.persona,
                                           significant=float(self.loop_cfg.significant_speedup))
        try:
            reply = await agent.chat(messages, temperature=float(self.loop_cfg.lesson_temperature),
                                     max_tokens=int(self.loop_cfg.lesson_max_tokens),
                                     frequency_penalty=LESSON_FREQUENCY_PENALTY, cancel=cancel)
        except AgentError as exc:
            self.warn(f"agent {agent.name} wrote no lesson in round {candidate.round + 1}: {exc.message}",
                      candidate.round, agent.name)
            return
        text = clean_lesson(reply.text)
        if not text:
            self.warn(f"agent {agent.name} answered the lesson request with no text", candidate.round,
                      agent.name)
            return
        lesson = lesson_for(self.target, candidate, verdict, text)
        if self.provenance is not None:
            self.provenance.stamp(lesson)
        self.bank.add(lesson)
        attempt.lesson_id = lesson.id
        self.emit("lesson_banked", round=candidate.round, agent=agent.name, outcome=verdict.outcome.value,
                  speedup=lesson.speedup, message=text)

    # ---- the answer -----------------------------------------------------------------------------
    def best(self) -> Attempt | None:
        """The fastest FASTER attempt (earliest on ties): never a regression or an unverified change."""
        faster = [a for a in self.attempts if a.verdict.outcome is Outcome.FASTER and a.verdict.speedup]
        return max(faster, key=lambda a: a.verdict.speedup or 0.0) if faster else None

    def finish(self) -> OptimizationResult:
        target, best = self.target, self.best()
        ordered = sorted(self.attempts, key=lambda a: (a.candidate.round, self._agent_index(a)))
        diff, new_text, justifying = "", None, []
        if best is not None:
            new_text = best.candidate.new_file_text
            diff = unified_diff(target.text, new_text or target.text, target.file_rel)
            ids = [*best.candidate.prompt_lesson_ids, *([best.lesson_id] if best.lesson_id else [])]
            justifying = [l for l in (self.bank.get(i) for i in ids) if l is not None]
        message = describe(best, ordered)
        stored = StoredResult(
            file=target.file_rel, qualified_name=target.ref.qualified_name,
            function_hash=target.ref.text_hash, improved=best is not None,
            speedup=best.verdict.speedup if best else None, ci=best.verdict.ci if best else None,
            diff=diff, new_function_hash=self._new_hash(new_text), lesson_ids=[l.id for l in justifying],
            models=sorted({a.candidate.model for a in ordered}), message=message,
            rounds=self.rounds_run, attempts=len(ordered), key=self.result_key)
        try:
            # False: this job ran before under the same key (a retried batch task): kept once.
            result_id: str | None = stored.id if self.bank.save_result(stored) else None
        except LessonLError as exc:
            self.warn(f"the result could not be stored in the lesson bank: {exc}")
            result_id = None
        tokens = TokenUsage()
        for agent in self.agents:
            tokens.prompt_tokens += agent.usage.prompt_tokens
            tokens.completion_tokens += agent.usage.completion_tokens
            tokens.requests += agent.usage.requests
        result = OptimizationResult(
            target=target.ref, improved=best is not None, best=best, diff=diff, new_text=new_text,
            speedup=best.verdict.speedup if best else None, ci=best.verdict.ci if best else None,
            justifying_lessons=justifying, attempts=ordered, tokens=tokens,
            wall_s=time.monotonic() - self.started, message=message, result_id=result_id,
            rounds=self.rounds_run, warnings=list(self.warnings), judge_s=self.judge_s,
            original_text=target.text,
            agent_tokens={a.name: TokenUsage(a.usage.prompt_tokens, a.usage.completion_tokens, a.usage.requests)
                          for a in self.agents})
        self.emit("finished", round=max(self.rounds_run - 1, 0), message=message,
                  outcome=best.verdict.outcome.value if best else "",
                  speedup=best.verdict.speedup if best else None)
        result.profile, result.profile_s = self.profile.share, self.profile.wall_s
        return result

    def _agent_index(self, attempt: Attempt) -> int:
        names = [a.name for a in self.agents]
        return names.index(attempt.candidate.agent) if attempt.candidate.agent in names else len(names)

    def _new_hash(self, new_text: str | None) -> str | None:
        """Content hash of the rewritten function, so hover can recognise it once applied."""
        if new_text is None:
            return None
        ref = self.target.ref
        try:
            return locate(new_text, self.target.language, ref.file, name=ref.qualified_name).text_hash
        except LessonLError:
            return None


def root_path(config: Any) -> Path:
    return Path(getattr(config, "root", ".")).resolve()


def _first_error(group: BaseExceptionGroup) -> BaseException:
    """Cancellation first (it explains the rest), then a user-facing error, then anything."""
    leaves = list(_leaves(group))
    for kind in (Cancelled, LessonLError):
        for exc in leaves:
            if isinstance(exc, kind):
                return exc
    return leaves[0]


def _leaves(group: BaseExceptionGroup) -> Any:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc
