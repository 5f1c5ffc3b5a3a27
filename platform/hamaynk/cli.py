"""The `hamaynk` command.

hamaynk run                      the whole platform on a laptop (see hamaynk.devserver)
hamaynk setup                    migrate the public schema and (re)build the golden schema
hamaynk provision ...            provision municipalities (flags or --csv)
hamaynk template check PATH      validate a template folder
hamaynk golden build|status      the golden schema
hamaynk migrate-all              migrate every municipality in parallel, with a report
hamaynk municipality export SLUG [--output FILE]   one municipality's archive (docs/backup.md)
hamaynk municipality import ARCHIVE [--slug NEW] [--replace] ...   restore it here
hamaynk apikey create|list|revoke --municipality SLUG ...   a municipality's API keys
hamaynk web                      the web server (gunicorn; WEB_PROCESSES × WEB_THREADS)
hamaynk worker                   a Celery worker
hamaynk beat                     the scheduler of periodic tasks (one per database)
hamaynk relay                    the events relay: outboxes to the exchange and the consumers
hamaynk events status|dead-letters|replay ID…|--all   the events' backlog and dead letters
hamaynk <django command> ...     any other Django management command
"""

import os
import sys

ALIASES = {"migrate-all": "migrate_municipalities"}


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamaynk.settings")
    command = argv[1] if len(argv) > 1 else "help"
    if command in ("-h", "--help", "help") and len(argv) <= 2:
        print(__doc__)
        return 0
    # Each process names its database connections after its command (pg_stat_activity).
    os.environ["HAMAYNK_COMMAND"] = command
    if command == "run":
        from hamaynk.devserver import run

        return run(argv[2:])
    if command == "web":
        from hamaynk.webserver import main as web

        return web(argv[2:])
    if command == "beat":
        from hamaynk.beat import main as beat

        return beat(argv[2:])
    if command == "worker":
        if "--beat" in argv[2:] or "-B" in argv[2:]:
            print("The scheduler runs as its own process: `hamaynk beat`, never inside a worker.", file=sys.stderr)
            return 2
        from hamaynk.celery import app

        app.worker_main(["worker", "--loglevel", os.environ.get("LOG_LEVEL", "INFO"), *argv[2:]])
        return 0
    from django.core.management import execute_from_command_line

    from tenants.audit.context import set_command

    set_command(f"hamaynk {ALIASES.get(command, command)}")  # the audit trail's actor
    execute_from_command_line([argv[0], ALIASES.get(command, command), *argv[2:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
