"""Contender: FastAPI FileResponse under uvicorn (1 worker).

Run by servers/fastapi.sh; FILES_DIR names the directory. Starlette before 0.39 has no Range support in
FileResponse: the runner's probe then marks the range cells n/a instead of timing a 200.
"""
import os

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

FILES_DIR = os.environ["FILES_DIR"]
with open(os.path.join(FILES_DIR, "64k.bin"), "rb") as f:
    PAYLOAD = f.read()
CHUNK = 16 * 1024
ATTACHMENT = {"Content-Disposition": 'attachment; filename="x.bin"'}
cleanups = 0

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def file_path(name: str) -> str:
    if "/" in name or name.startswith("."):
        raise HTTPException(status_code=404)
    path = os.path.join(FILES_DIR, name)
    if not os.path.isfile(path):
        raise HTTPException(status_code=404)
    return path


def cleanup() -> None:
    global cleanups
    cleanups += 1


@app.get("/files/{name}")
def files(name: str):
    return FileResponse(file_path(name), filename=name)


@app.get("/buf")
def buf():
    return Response(PAYLOAD, media_type="application/octet-stream", headers=ATTACHMENT)


@app.get("/buf1k")
def buf1k():
    return Response(PAYLOAD[:1024], media_type="application/octet-stream", headers=ATTACHMENT)


@app.get("/stream")
def stream():
    def chunks():
        for i in range(0, len(PAYLOAD), CHUNK):
            yield PAYLOAD[i:i + CHUNK]

    headers = {**ATTACHMENT, "Content-Length": str(len(PAYLOAD))}
    return StreamingResponse(chunks(), media_type="application/octet-stream", headers=headers)


@app.get("/cleanup/{name}")
def with_cleanup(name: str):
    return FileResponse(file_path(name), filename=name, background=BackgroundTask(cleanup))
