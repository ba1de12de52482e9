#!/bin/sh
# Contender: FastAPI FileResponse under uvicorn, 1 worker. usage: servers/fastapi.sh <filesDir> <port>
# PYTHON picks the interpreter that has fastapi and uvicorn (Debian's python3-fastapi lives in /usr/bin/python3).
set -eu
export FILES_DIR=${FILES_DIR:-$1}
PORT=${PORT:-$2}
echo "ready fastapi $PORT"
exec "${PYTHON:-python3}" -m uvicorn fastapi_app:app --app-dir "$(dirname "$0")" \
  --host 127.0.0.1 --port "$PORT" --workers 1 --log-level warning --no-access-log
