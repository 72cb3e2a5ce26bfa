# The bot's image: `docker compose up -d` (compose.yaml) runs two of it behind Caddy.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin bot

WORKDIR /app

# The package and its dependencies, from pyproject.toml. The sources stay in /app as well:
# run_bot.py imports them from its own directory, and the demo portraits under assets/ are
# found next to them.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY db/ db/
COPY handlers/ handlers/
COPY keyboards/ keyboards/
COPY scheduler/ scheduler/
RUN pip install . && rm -rf build ./*.egg-info

COPY run_bot.py ./
COPY assets/ assets/
COPY deploy/healthcheck.py deploy/healthcheck.py

# data/ holds the SQLite file when DATABASE_URL is not set; the bot user may write only there.
RUN mkdir -p /app/data && chown bot:bot /app/data
USER bot

# The webhook, /healthz, /readyz and /metrics (WEBHOOK_PORT, or METRICS_PORT with polling).
# Outside the image METRICS_PORT is off by default; here polling serves them on 8080 too, so
# the health check below has a /healthz in both modes (a webhook ignores METRICS_PORT and
# serves them on WEBHOOK_PORT, 8080 as well). Every interface of the container, as the
# webhook's: the exposed port must reach it, and only a published one (-p) leaves the
# container; these paths hold no personal data and a calendar feed needs its secret.
ENV METRICS_HOST=0.0.0.0 \
    METRICS_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]

# Migrate, then run; `exec` makes the bot PID 1, so `docker stop` (SIGTERM) reaches it: it
# takes no new update, finishes the ones in hand within SHUTDOWN_GRACE_SECONDS (8 s, inside
# docker stop's 10), hands the rest back to the inbox in the database and exits 0. Nothing
# Telegram delivered is lost: every update is stored before it is acknowledged.
CMD ["sh", "-c", "python run_bot.py migrate && exec python run_bot.py"]
