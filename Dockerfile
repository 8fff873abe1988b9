# One image for the web app, the worker and the scheduler (docker-compose.yml).
FROM python:3.11-slim

# WeasyPrint renders the referral summaries' PDF with Pango.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 clinic
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY clinic ./clinic
COPY worker ./worker
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . \
 && mkdir -p /app/instance && chown clinic:clinic /app/instance

USER clinic
ENV FLASK_APP=clinic:create_app PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "clinic:create_app()"]
