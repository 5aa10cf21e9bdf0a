"""The runner: a stateless cron tick that flies the active plan against SQLite state.

    planview.py  plan file -> the runner's own frozen dataclasses (the one place the format is read)
    policy.py    the knobs the runner obeys (ceilings, floors, patience, backoff)
    state.py     SQLite schema, migrations, queries, the ledger (a library other tools read too)
    lock.py      one tick at a time per state file (flock)
    clock.py     the clock seam: server time on the live game, virtual time on the twin
    decide.py    PURE: state view + policy + now -> the next actions
    actions.py   executes actions through plancc.api's client, writes each result before the next call
    recover.py   runs every tick: unknown outcomes, orphaned cargo, stale views
    tick.py      one tick: lock, recover, decide/execute until nothing is due or the budget ends
    apply.py     makes a plan the active one, carrying work in flight over
    status.py    status, tasks and the ledger/cargo check
    observe.py   API objects -> quotes and ship states; snapshot merged with observations
    fly.py       cron's rhythm on a virtual clock (the next useful tick)
    crontab.py   the crontab line, from cron/crontab.j2
    killpoint.py kill points for the SIGKILL test (off unless PLANCC_KILL_AT is set)

The idle tick imports neither httpx nor the compiler: the API client is imported only when a
request is due.
"""
