# One image for the web app, the workers, the scheduler and the migration step
# (docker-compose.yml). PYTHON_IMAGE is the official image in production; the
# deploy check (deploy/check.sh) passes an equivalent built from a local Debian
# base, because it cannot pull images.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

# WeasyPrint renders the referral summaries' PDF with Pango.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 clinic
ENV VIRTUAL_ENV=/opt/clinic PATH=/opt/clinic/bin:$PATH PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The dependencies first, from pyproject.toml alone, so that a change of code
# rebuilds only the layers below.
COPY pyproject.toml ./
RUN python3 -m venv "$VIRTUAL_ENV" \
 && mkdir clinic worker && touch clinic/__init__.py worker/__init__.py README.md \
 && pip install --no-cache-dir --quiet . \
 && pip uninstall --yes --quiet clinic \
 && rm -rf clinic worker README.md build *.egg-info

COPY README.md alembic.ini gunicorn.conf.py ./
COPY clinic ./clinic
COPY worker ./worker
COPY migrations ./migrations
COPY deploy/clinic-worker /usr/local/bin/clinic-worker
RUN pip install --no-cache-dir --quiet --no-deps -e . \
 && mkdir -p /app/instance && chown clinic:clinic /app/instance

USER clinic
ENV FLASK_APP=clinic:create_app
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "clinic:create_app()"]
