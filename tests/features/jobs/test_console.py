"""The console drives every job-search command and button, as a member types them."""

from __future__ import annotations

from bot.app import App
from tests.conftest import ConsoleHarness
from tests.fakes.jobboards import FakeJobBoards, greenhouse_job


async def test_every_job_search_command_from_the_console(jobs_app: App, fake_boards: FakeJobBoards) -> None:
    console = ConsoleHarness(jobs_app)
    fake_boards.greenhouse["acme"] = [greenhouse_job(1, "Machine Learning Engineer"),
                                      greenhouse_job(2, "Office Manager")]
    ran: set[str] = set()

    async def say(line: str, *expected: str) -> str:
        out = await console.say(line)
        for text in expected:
            assert text in out, (line, out)
        words = line.split()
        for command in jobs_app.registry.commands():
            if command.group in {"apply", "jobs", "resume"} and words[: len(command.path)] == list(command.path):
                ran.add(command.name)
        return out

    await say("admin set channel jobs #ml-jobs", "Jobs will go to")
    await say("jobs source add greenhouse acme", "Added greenhouse board acme")
    await say("jobs source list", "greenhouse acme")
    out = await say("/wait 10m", "Machine Learning Engineer — Acme AI", "Save")
    assert "Office Manager" not in out
    await say("/as bob")
    await say("1", "Saved to your tracker as #1")
    await say("apply list", "#1 Acme AI — Machine Learning Engineer · Saved")
    await say("apply move 1 applied --note 'Sent with a referral'", "saved → applied")
    await say('apply add Globex "Applied Scientist" --url https://globex.example/jobs/7 --on 2026-02-25',
              "Application #2 tracked")
    await say("apply move 2 screen", "applied → screen", "Reach your first interview stage")
    await say("apply board", "Applied (1)", "Screen (1)")
    await say("apply history 1", "added as saved", "saved → applied — Sent with a referral")
    await say("apply stats", "Conversion", "[image:")
    await say("apply share on", "anonymous community funnel")
    await say("jobs report", "1 member shares")
    await say("jobs list --company acme", "Machine Learning Engineer")
    await say("jobs save 1", "Already in your tracker as #1")
    await say("jobs follow --remote --level senior", "Following every new ML role at Senior level, remote only")
    await say("jobs unfollow", "Job alerts stopped")
    await say("jobs hired Globex 'Applied Scientist' --share", "Congratulations", "Announced in")
    await say("resume reviewer on", "Thank you!")
    await say("/as cy")
    out = await say("resume review-request --link https://cv.example/cy.pdf",
                    "Your request went to a reviewer", "Could you review a resume?")
    assert "[1] Accept  [2] Decline" in out
    await say("1", "This isn't yours to answer.")
    await say("/as bob")
    await say("1", "will send you their resume")
    await say("resume reviewer off", "off the reviewer list")
    await say("/as")
    await say("jobs source remove greenhouse acme", "Removed greenhouse board acme")

    declared = {c.name for c in jobs_app.registry.commands() if c.group in {"apply", "jobs", "resume"}}
    assert declared - ran == set()
