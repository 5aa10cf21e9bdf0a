"""Templates for installing the runner's tick (shipped as ``runner.cron``)."""
