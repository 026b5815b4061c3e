"""Build ``ingest._jpegstream``: libjpeg(-turbo)'s scanline decoder, for ``JpegRows``.

A JPEG cannot be decoded in parallel, but it can be decoded top to bottom a band at a time,
and the tiles of a band can be encoded while the next band decodes. simplejpeg and Pillow
decode a whole image in one call, so this small cffi module (API mode, compiled against the
system's libjpeg: Debian's ``libjpeg62-turbo-dev``) exposes ``jpeg_read_scanlines``.
``make deps`` builds it (``python -m ingest.jpeg_stream_build``); without it (no C compiler
or headers) Kura decodes as before, in one call, with the same pixels.

The decoder is libjpeg's default: accurate integer IDCT (``JDCT_ISLOW``) and fancy
upsampling, as simplejpeg with ``fastdct=False, fastupsample=False`` — the same pixels.
Corrupt data (any libjpeg warning) is an error, as with simplejpeg's ``strict=True``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from cffi import FFI

CDEF = """
typedef struct kura_jpeg kura_jpeg;
kura_jpeg *kura_jpeg_open(const unsigned char *data, size_t size, int grey);
int kura_jpeg_width(kura_jpeg *j);
int kura_jpeg_height(kura_jpeg *j);
int kura_jpeg_read(kura_jpeg *j, unsigned char *out, size_t stride, int rows);
const char *kura_jpeg_error(kura_jpeg *j);
void kura_jpeg_close(kura_jpeg *j);
"""

SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

typedef struct kura_jpeg kura_jpeg;

struct kura_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    int started;
    int finished;
    char message[JMSG_LENGTH_MAX];
};

static void kura_error_exit(j_common_ptr cinfo) {
    struct kura_jpeg *j = (struct kura_jpeg *)cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, j->message);
    longjmp(j->jump, 1);
}

static void kura_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {  /* a warning: corrupt data. Strict, like simplejpeg's strict=True */
        struct kura_jpeg *j = (struct kura_jpeg *)cinfo->client_data;
        (*cinfo->err->format_message)(cinfo, j->message);
        longjmp(j->jump, 1);
    }
}

kura_jpeg *kura_jpeg_open(const unsigned char *data, size_t size, int grey) {
    struct kura_jpeg *j = calloc(1, sizeof(struct kura_jpeg));
    if (!j) return NULL;
    j->cinfo.err = jpeg_std_error(&j->jerr);
    j->jerr.error_exit = kura_error_exit;
    j->jerr.emit_message = kura_emit_message;
    j->cinfo.client_data = j;
    if (setjmp(j->jump)) {
        return j;  /* message set; width/height read as 0 */
    }
    jpeg_create_decompress(&j->cinfo);
    jpeg_mem_src(&j->cinfo, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&j->cinfo, TRUE);
    j->cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
    j->cinfo.dct_method = JDCT_ISLOW;
    j->cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&j->cinfo);
    j->started = 1;
    return j;
}

int kura_jpeg_width(kura_jpeg *j) { return j->started ? (int)j->cinfo.output_width : 0; }
int kura_jpeg_height(kura_jpeg *j) { return j->started ? (int)j->cinfo.output_height : 0; }
const char *kura_jpeg_error(kura_jpeg *j) { return j->message; }

/* Decode up to `rows` more rows into `out` (row y of the image at out + y * stride).
   Returns the number of rows now decoded in all, or -1 on an error (see kura_jpeg_error). */
int kura_jpeg_read(kura_jpeg *j, unsigned char *out, size_t stride, int rows) {
    if (!j->started || j->message[0]) return -1;
    if (setjmp(j->jump)) return -1;
    int stop = (int)j->cinfo.output_scanline + rows;
    if (stop > (int)j->cinfo.output_height) stop = (int)j->cinfo.output_height;
    while ((int)j->cinfo.output_scanline < stop) {
        JSAMPROW row[16];
        int want = stop - (int)j->cinfo.output_scanline;
        if (want > 16) want = 16;
        for (int i = 0; i < want; i++)
            row[i] = out + ((size_t)j->cinfo.output_scanline + i) * stride;
        if (jpeg_read_scanlines(&j->cinfo, row, (JDIMENSION)want) == 0) {
            strcpy(j->message, "no scanlines read");
            return -1;
        }
    }
    if (!j->finished && j->cinfo.output_scanline == j->cinfo.output_height) {
        jpeg_finish_decompress(&j->cinfo);  /* reads to EOI: a warning there is an error too */
        j->finished = 1;
    }
    return (int)j->cinfo.output_scanline;
}

void kura_jpeg_close(kura_jpeg *j) {
    if (!j) return;
    jpeg_destroy_decompress(&j->cinfo);
    free(j);
}
"""


def builder() -> FFI:
    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.set_source("ingest._jpegstream", SOURCE, libraries=["jpeg"])
    return ffi


def build() -> Path:
    """Compile the module in a scratch folder and put it beside this file."""
    with tempfile.TemporaryDirectory(prefix="kura-jpegstream-") as scratch:
        built = Path(builder().compile(tmpdir=scratch, verbose=False))
        target = Path(__file__).resolve().parent / built.name
        shutil.copyfile(built, target)
    return target


if __name__ == "__main__":
    print(build())
