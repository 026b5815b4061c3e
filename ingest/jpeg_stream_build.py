"""Build ``ingest._jpegstream``: the tiler's C helpers (used through ``ingest.native``).

- libjpeg(-turbo)'s scanline decoder, for ``JpegRows``. A JPEG cannot be decoded in
  parallel, but it can be decoded top to bottom a band at a time, and the tiles of a band can
  be encoded while the next band decodes. simplejpeg and Pillow decode a whole image in one
  call, so this module exposes ``jpeg_read_scanlines``.
- libjpeg's scanline encoder, for a file that is a whole level (``full/max`` of a TIFF):
  encoded band by band as the rows come, so the level is given back behind it.
- a 2×2 box halving over 3-bytes-a-pixel rows (Pillow's ``reduce(2)`` numbers in one pass).

It is a small cffi module (API mode), compiled against the system's libjpeg (Debian's
``libjpeg62-turbo-dev``). ``make deps`` builds it (``python -m ingest.jpeg_stream_build``);
without it (no C compiler or headers) Kura does the same work as before, with the same
result: one-call decoding and encoding, Pillow's halving.

The decoder is libjpeg's default: accurate integer IDCT (``JDCT_ISLOW``) and fancy
upsampling, as simplejpeg with ``fastdct=False, fastupsample=False`` — the same pixels.
Corrupt data (any libjpeg warning) is an error, as with simplejpeg's ``strict=True``.
The encoder is libjpeg's default too, as simplejpeg's: baseline, accurate DCT, 4:2:0.
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

typedef struct kura_jpeg_enc kura_jpeg_enc;
kura_jpeg_enc *kura_jpeg_enc_open(int width, int height, int channels, int quality);
int kura_jpeg_enc_write(kura_jpeg_enc *e, const unsigned char *rows, size_t stride, int n);
int kura_jpeg_enc_finish(kura_jpeg_enc *e);
const unsigned char *kura_jpeg_enc_data(kura_jpeg_enc *e);
size_t kura_jpeg_enc_size(kura_jpeg_enc *e);
const char *kura_jpeg_enc_error(kura_jpeg_enc *e);
void kura_jpeg_enc_close(kura_jpeg_enc *e);

void kura_halve(const unsigned char *src, size_t src_stride, int rows, int width,
                int channels, unsigned char *dst, size_t dst_stride);
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

/* The encoder: rows in, top to bottom, a band at a time; the JPEG in memory at the end.
   libjpeg's defaults, as simplejpeg/TurboJPEG: baseline, accurate integer DCT, 4:2:0 for
   RGB (YCbCr), standard Huffman tables, a JFIF header. */
typedef struct kura_jpeg_enc kura_jpeg_enc;

struct kura_jpeg_enc {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    struct jpeg_destination_mgr dest;
    unsigned char *out;  /* ours (not jpeg_mem_dest's, which cannot be freed mid-way) */
    size_t capacity;
    size_t size;
    int created;
    int started;
    int finished;
    char message[JMSG_LENGTH_MAX];
};

static void kura_enc_error_exit(j_common_ptr cinfo) {
    struct kura_jpeg_enc *e = (struct kura_jpeg_enc *)cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void kura_dest_init(j_compress_ptr cinfo) {
    struct kura_jpeg_enc *e = (struct kura_jpeg_enc *)cinfo->client_data;
    e->dest.next_output_byte = e->out;
    e->dest.free_in_buffer = e->capacity;
}

static boolean kura_dest_grow(j_compress_ptr cinfo) {  /* the buffer is full: double it */
    struct kura_jpeg_enc *e = (struct kura_jpeg_enc *)cinfo->client_data;
    size_t capacity = e->capacity * 2;
    unsigned char *out = realloc(e->out, capacity);
    if (!out) {
        strcpy(e->message, "out of memory for the JPEG");
        longjmp(e->jump, 1);
    }
    e->dest.next_output_byte = out + e->capacity;
    e->dest.free_in_buffer = capacity - e->capacity;
    e->out = out;
    e->capacity = capacity;
    return TRUE;
}

static void kura_dest_term(j_compress_ptr cinfo) {
    struct kura_jpeg_enc *e = (struct kura_jpeg_enc *)cinfo->client_data;
    e->size = e->capacity - e->dest.free_in_buffer;
}

kura_jpeg_enc *kura_jpeg_enc_open(int width, int height, int channels, int quality) {
    struct kura_jpeg_enc *e = calloc(1, sizeof(struct kura_jpeg_enc));
    if (!e) return NULL;
    e->cinfo.err = jpeg_std_error(&e->jerr);
    e->jerr.error_exit = kura_enc_error_exit;
    e->cinfo.client_data = e;
    if (setjmp(e->jump)) {
        return e;  /* message set */
    }
    jpeg_create_compress(&e->cinfo);
    e->created = 1;
    e->capacity = 1 << 16;
    e->out = malloc(e->capacity);
    if (!e->out) {
        strcpy(e->message, "out of memory for the JPEG");
        return e;
    }
    e->dest.init_destination = kura_dest_init;
    e->dest.empty_output_buffer = kura_dest_grow;
    e->dest.term_destination = kura_dest_term;
    e->cinfo.dest = &e->dest;
    e->cinfo.image_width = (JDIMENSION)width;
    e->cinfo.image_height = (JDIMENSION)height;
    e->cinfo.input_components = channels;
    e->cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&e->cinfo);
    jpeg_set_quality(&e->cinfo, quality, TRUE);
    e->cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&e->cinfo, TRUE);
    e->started = 1;
    return e;
}

/* Encode the next `n` rows (row i at rows + i * stride). Returns the rows encoded in all,
   or -1 on an error (see kura_jpeg_enc_error). */
int kura_jpeg_enc_write(kura_jpeg_enc *e, const unsigned char *rows, size_t stride, int n) {
    if (!e->started || e->finished || e->message[0]) return -1;
    if (setjmp(e->jump)) return -1;
    int done = 0;
    while (done < n) {
        JSAMPROW row[16];
        int want = n - done;
        if (want > 16) want = 16;
        for (int i = 0; i < want; i++)
            row[i] = (JSAMPROW)(rows + (size_t)(done + i) * stride);
        JDIMENSION wrote = jpeg_write_scanlines(&e->cinfo, row, (JDIMENSION)want);
        if (wrote == 0) {
            strcpy(e->message, "no scanlines written");
            return -1;
        }
        done += (int)wrote;
    }
    return (int)e->cinfo.next_scanline;
}

/* After every row: complete the JPEG. 0, or -1 on an error. */
int kura_jpeg_enc_finish(kura_jpeg_enc *e) {
    if (!e->started || e->message[0]) return -1;
    if (e->finished) return 0;
    if (setjmp(e->jump)) return -1;
    jpeg_finish_compress(&e->cinfo);
    e->finished = 1;
    return 0;
}

const unsigned char *kura_jpeg_enc_data(kura_jpeg_enc *e) { return e->finished ? e->out : NULL; }
size_t kura_jpeg_enc_size(kura_jpeg_enc *e) { return e->finished ? (size_t)e->size : 0; }
const char *kura_jpeg_enc_error(kura_jpeg_enc *e) { return e->message; }

void kura_jpeg_enc_close(kura_jpeg_enc *e) {
    if (!e) return;
    if (e->created) jpeg_destroy_compress(&e->cinfo);
    free(e->out);
    free(e);
}

/* 2x2 box averages, rounded half up: the numbers of Pillow's reduce(2), an odd last row or
   column averaging the pixels it has. `rows` x `width` pixels of `channels` bytes in,
   ceil(rows/2) x ceil(width/2) out. */
void kura_halve(const unsigned char *src, size_t src_stride, int rows, int width,
                int channels, unsigned char *dst, size_t dst_stride) {
    const int c = channels, pairs = width / 2, odd_column = width & 1;
    for (int y = 0; y + 1 < rows; y += 2) {
        const unsigned char *a = src + (size_t)y * src_stride, *b = a + src_stride;
        unsigned char *o = dst + (size_t)(y / 2) * dst_stride;
        if (c == 3) {
            for (int x = 0; x < pairs; x++, a += 6, b += 6, o += 3) {
                o[0] = (unsigned char)((a[0] + a[3] + b[0] + b[3] + 2) >> 2);
                o[1] = (unsigned char)((a[1] + a[4] + b[1] + b[4] + 2) >> 2);
                o[2] = (unsigned char)((a[2] + a[5] + b[2] + b[5] + 2) >> 2);
            }
        } else {
            for (int x = 0; x < pairs; x++, a += 2 * c, b += 2 * c, o += c)
                for (int k = 0; k < c; k++)
                    o[k] = (unsigned char)((a[k] + a[c + k] + b[k] + b[c + k] + 2) >> 2);
        }
        if (odd_column)
            for (int k = 0; k < c; k++) o[k] = (unsigned char)((a[k] + b[k] + 1) >> 1);
    }
    if (rows & 1) {
        const unsigned char *a = src + (size_t)(rows - 1) * src_stride;
        unsigned char *o = dst + (size_t)(rows / 2) * dst_stride;
        for (int x = 0; x < pairs; x++, a += 2 * c, o += c)
            for (int k = 0; k < c; k++) o[k] = (unsigned char)((a[k] + a[c + k] + 1) >> 1);
        if (odd_column)
            for (int k = 0; k < c; k++) o[k] = a[k];
    }
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
