/* rt_safetensors.c — weights in and out: the safetensors format that PyTorch, JAX and numpy read. */
#include "nncc_rt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reference implementation refuses headers above 100 MB; a larger length is a corrupt file. */
#define ST_MAX_HEADER (100u * 1024u * 1024u)
/* Offsets and sizes travel as JSON numbers (doubles): stay where they are exact integers. */
#define ST_MAX_INT 9007199254740992.0 /* 2^53 */

/* Every dtype we can read; the writer takes any of them too (callers use F32, F64 and I64). */
enum st_kind { ST_F, ST_BF, ST_I, ST_U, ST_BOOL };
static const struct {
    const char *name;
    int size, kind;
} st_dtypes[] = {
    {"F64", 8, ST_F}, {"F32", 4, ST_F}, {"F16", 2, ST_F}, {"BF16", 2, ST_BF},
    {"I64", 8, ST_I}, {"I32", 4, ST_I}, {"I16", 2, ST_I}, {"I8", 1, ST_I},
    {"U64", 8, ST_U}, {"U32", 4, ST_U}, {"U16", 2, ST_U}, {"U8", 1, ST_U},
    {"BOOL", 1, ST_BOOL},
};

static int st_dtype(const char *name)
{
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (strcmp(st_dtypes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Little-endian bytes to an unsigned integer, whatever the host's order and alignment. */
static uint64_t load_le(const unsigned char *p, int size)
{
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static double half_to_double(uint16_t h)
{
    int exp = h >> 10 & 0x1f;
    double mant = h & 0x3ff;
    double v = exp == 0    ? ldexp(mant, -24)                     /* subnormal */
               : exp == 31 ? (mant != 0 ? NAN : INFINITY)
                           : ldexp(mant + 1024, exp - 25);
    return h & 0x8000 ? -v : v;
}

static double element(const unsigned char *p, int dt)
{
    int size = st_dtypes[dt].size;
    uint64_t u = load_le(p, size);
    switch (st_dtypes[dt].kind) {
    case ST_F:
        if (size == 8) {
            double d;
            memcpy(&d, &u, 8);
            return d;
        }
        if (size == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, 4);
            return f;
        }
        return half_to_double((uint16_t)u);
    case ST_BF: { /* bfloat16 is the top half of a float32 */
        uint32_t u32 = (uint32_t)u << 16;
        float f;
        memcpy(&f, &u32, 4);
        return f;
    }
    case ST_I: {
        int shift = 64 - 8 * size; /* sign-extend through the top bits */
        return (double)((int64_t)(u << shift) >> shift);
    }
    case ST_BOOL:
        return u != 0;
    default:
        return (double)u;
    }
}

static int64_t elements_of(const rt_st_entry *e)
{
    int64_t count = 1;
    for (int k = 0; k < e->rank; k++)
        count *= e->shape[k];
    return count;
}

/* The header as the format wants it: __metadata__ (string values only) then the tensors in
 * order, offsets relative to the start of the data. */
static char *st_header(const char *path, const rt_st_entry *entries, int n, const char *metadata_json,
                       size_t *data_bytes)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *meta_in = NULL;
    char *text = NULL;
    if (!root)
        goto oom;
    if (metadata_json) {
        meta_in = cJSON_Parse(metadata_json);
        if (!cJSON_IsObject(meta_in)) {
            rt_error(path, 0, "internal: metadata is not a JSON object: %.60s", metadata_json);
            goto fail;
        }
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        if (!meta)
            goto oom;
        /* The format allows only strings here; other values keep their JSON text, so an epoch
         * number written as 7 reads back as "7" rather than vanishing. */
        for (cJSON *m = meta_in->child; m; m = m->next) {
            char *value = cJSON_IsString(m) ? NULL : cJSON_PrintUnformatted(m);
            cJSON *s = cJSON_AddStringToObject(meta, m->string, value ? value : m->valuestring);
            free(value);
            if (!s)
                goto oom;
        }
    }
    size_t offset = 0;
    for (int i = 0; i < n; i++) {
        const rt_st_entry *e = &entries[i];
        int dt = e->dtype ? st_dtype(e->dtype) : -1;
        int negative = 0;
        for (int k = 0; k < e->rank && k < 4; k++)
            negative |= e->shape[k] < 0;
        if (dt < 0 || e->rank < 0 || e->rank > 4 || !e->name || negative) {
            rt_error(path, 0, "internal: tensor '%s' has dtype %s and rank %d", e->name ? e->name : "?",
                     e->dtype ? e->dtype : "NULL", e->rank);
            goto fail;
        }
        if (cJSON_GetObjectItemCaseSensitive(root, e->name) || strcmp(e->name, "__metadata__") == 0) {
            rt_error(path, 0, "internal: tensor name '%s' used twice", e->name);
            goto fail;
        }
        size_t bytes = (size_t)elements_of(e) * (size_t)st_dtypes[dt].size;
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        cJSON *dtype = t ? cJSON_AddStringToObject(t, "dtype", st_dtypes[dt].name) : NULL;
        cJSON *shape = dtype ? cJSON_AddArrayToObject(t, "shape") : NULL;
        cJSON *offs = shape ? cJSON_AddArrayToObject(t, "data_offsets") : NULL;
        if (!offs)
            goto oom;
        for (int k = 0; k < e->rank; k++)
            cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)e->shape[k]));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(offset + bytes)));
        offset += bytes;
    }
    text = cJSON_PrintUnformatted(root);
    if (!text)
        goto oom;
    *data_bytes = offset;
    cJSON_Delete(meta_in);
    cJSON_Delete(root);
    return text;
oom:
    rt_error(path, 0, "out of memory building the header");
fail:
    cJSON_Delete(meta_in);
    cJSON_Delete(root);
    return NULL;
}

/* Writes one tensor's elements little-endian: straight from memory on little-endian hosts. */
static int st_write_data(FILE *out, const rt_st_entry *e)
{
    int size = st_dtypes[st_dtype(e->dtype)].size;
    size_t count = (size_t)elements_of(e);
    if (host_is_little())
        return count == 0 || fwrite(e->data, (size_t)size, count, out) == count ? 0 : -1;
    const unsigned char *p = e->data;
    for (size_t i = 0; i < count; i++, p += size)
        for (int b = size - 1; b >= 0; b--)
            if (putc(p[b], out) == EOF)
                return -1;
    return 0;
}

int rt_st_write(const char *path, const rt_st_entry *entries, int n, const char *metadata_json)
{
    size_t data_bytes = 0;
    char *header = st_header(path, entries, n, metadata_json, &data_bytes);
    if (!header)
        return -1;
    /* Pad with spaces so the data starts 8-byte aligned, as readers that mmap expect. */
    size_t hlen = strlen(header);
    size_t padded = (hlen + 7) / 8 * 8;
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));

    rt_atomic a;
    if (rt_atomic_open(&a, path)) {
        free(header);
        return -1;
    }
    FILE *out = a.f;
    int ok = fwrite(len8, 1, 8, out) == 8 && fwrite(header, 1, hlen, out) == hlen;
    for (size_t i = hlen; ok && i < padded; i++)
        ok = putc(' ', out) != EOF;
    for (int i = 0; ok && i < n; i++)
        ok = st_write_data(out, &entries[i]) == 0;
    free(header);
    return rt_atomic_close(&a, ok);
}

/* A JSON number that is a byte offset or a dimension: a non-negative exact integer. */
static int st_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble >= ST_MAX_INT ||
        v->valuedouble != floor(v->valuedouble))
        return -1;
    *out = (uint64_t)v->valuedouble;
    return 0;
}

/* One tensor entry of the header: known dtype, integer shape, offsets inside the data that
 * hold exactly dtype x shape bytes. */
static int st_check_tensor(const char *path, const cJSON *t, size_t data_size)
{
    const char *name = t->string;
    if (!cJSON_IsObject(t)) {
        rt_error(path, 0, "tensor '%s' is not a JSON object in the header", name);
        return -1;
    }
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs)) {
        rt_error(path, 0, "tensor '%s' needs \"dtype\", \"shape\" and \"data_offsets\"", name);
        return -1;
    }
    int dt = st_dtype(dtype->valuestring);
    if (dt < 0) {
        rt_error(path, 0, "tensor '%s' has unsupported dtype '%s'", name, dtype->valuestring);
        return -1;
    }
    uint64_t count = 1, dim;
    for (const cJSON *s = shape->child; s; s = s->next) {
        if (st_uint(s, &dim) != 0) {
            rt_error(path, 0, "tensor '%s' has a shape entry that is not a non-negative integer", name);
            return -1;
        }
        if (dim != 0 && count > UINT64_MAX / 8 / dim) {
            rt_error(path, 0, "tensor '%s' has an impossibly large shape", name);
            return -1;
        }
        count *= dim;
    }
    uint64_t begin, end;
    if (cJSON_GetArraySize(offs) != 2 || st_uint(offs->child, &begin) != 0 ||
        st_uint(offs->child->next, &end) != 0 || begin > end) {
        rt_error(path, 0, "tensor '%s' has malformed data_offsets (want [begin, end])", name);
        return -1;
    }
    if (end > data_size) {
        rt_error(path, 0, "tensor '%s' has data_offsets [%llu, %llu] beyond the data (%zu bytes)", name,
                 (unsigned long long)begin, (unsigned long long)end, data_size);
        return -1;
    }
    if (end - begin != count * (uint64_t)st_dtypes[dt].size) {
        rt_error(path, 0, "tensor '%s' has %llu bytes of data; dtype %s and its shape need %llu", name,
                 (unsigned long long)(end - begin), st_dtypes[dt].name,
                 (unsigned long long)(count * (uint64_t)st_dtypes[dt].size));
        return -1;
    }
    return 0;
}

int rt_st_open(rt_st_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "rb");
    if (!in) {
        rt_error(path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) {
        rt_error(path, 0, "not a regular file");
        fclose(in);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *bytes = malloc(size ? size : 1);
    if (!bytes) {
        rt_error(path, 0, "out of memory reading %zu bytes", size);
        fclose(in);
        return -1;
    }
    size_t got = fread(bytes, 1, size, in);
    fclose(in);
    if (got != size) {
        rt_error(path, 0, "read error after %zu of %zu bytes", got, size);
        free(bytes);
        return -1;
    }
    if (size < 8) {
        rt_error(path, 0, "not a safetensors file: %zu bytes, shorter than the 8-byte header length", size);
        free(bytes);
        return -1;
    }
    uint64_t hlen = load_le(bytes, 8);
    if (hlen > size - 8 || hlen > ST_MAX_HEADER) {
        rt_error(path, 0, "not a safetensors file: header length %llu exceeds the file (%zu bytes)",
                 (unsigned long long)hlen, size);
        free(bytes);
        return -1;
    }
    const char *end = (const char *)bytes + 8; /* cJSON points it at the error, or past the object */
    cJSON *header = cJSON_ParseWithLengthOpts((const char *)bytes + 8, (size_t)hlen, &end, 0);
    /* Only the spaces the format pads with may follow the JSON object. */
    while (header && end < (const char *)bytes + 8 + hlen && (*end == ' ' || *end == '\0'))
        end++;
    if (!cJSON_IsObject(header) || end != (const char *)bytes + 8 + hlen) {
        rt_error(path, 0, "header is not a JSON object (error near byte %ld of %llu)",
                 (long)(end - (const char *)bytes - 8), (unsigned long long)hlen);
        cJSON_Delete(header);
        free(bytes);
        return -1;
    }
    size_t data_size = size - 8 - (size_t)hlen;
    for (const cJSON *t = header->child; t; t = t->next) {
        if (strcmp(t->string, "__metadata__") == 0)
            continue;
        if (st_check_tensor(path, t, data_size) != 0) {
            cJSON_Delete(header);
            free(bytes);
            return -1;
        }
    }
    f->bytes = bytes;
    f->size = size;
    f->data_start = 8 + (size_t)hlen;
    f->header = header;
    return 0;
}

static void format_shape(char *buf, size_t cap, const int64_t *shape, int rank)
{
    size_t at = (size_t)snprintf(buf, cap, "[");
    for (int k = 0; k < rank && at < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", k ? ", " : "", (long long)shape[k]);
    if (at < cap)
        snprintf(buf + at, cap - at, "]");
}

/* finite: weights must be numbers; training state (metrics, best loss) holds NaN and Inf on purpose. */
static int st_read(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
                   double *dst, int finite)
{
    const cJSON *t = strcmp(name, "__metadata__") == 0 ? NULL
                                                       : cJSON_GetObjectItemCaseSensitive(f->header, name);
    if (!t) {
        rt_error(path, 0, "no tensor '%s'", name);
        return -1;
    }
    /* rt_st_open checked the entry; here only its shape against what the caller expects. */
    const cJSON *jshape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    int have_rank = cJSON_GetArraySize(jshape);
    int64_t have[8];
    int same = have_rank == rank;
    int k = 0;
    for (const cJSON *s = jshape->child; s; s = s->next, k++) {
        if (k < 8)
            have[k] = (int64_t)s->valuedouble;
        same = same && k < rank && (int64_t)s->valuedouble == shape[k];
    }
    if (!same) {
        char got[128], want[128];
        format_shape(got, sizeof got, have, have_rank < 8 ? have_rank : 8);
        format_shape(want, sizeof want, shape, rank);
        rt_error(path, 0, "tensor '%s' has shape %s, expected %s", name, got, want);
        return -1;
    }
    int dt = st_dtype(cJSON_GetObjectItemCaseSensitive(t, "dtype")->valuestring);
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    size_t begin = (size_t)offs->child->valuedouble;
    size_t end = (size_t)offs->child->next->valuedouble;
    size_t size = (size_t)st_dtypes[dt].size;
    const unsigned char *p = f->bytes + f->data_start + begin;
    size_t count = (end - begin) / size;
    for (size_t i = 0; i < count; i++, p += size) {
        dst[i] = element(p, dt);
        if (finite && !isfinite(dst[i])) {
            rt_error(path, 0, "tensor '%s' has a non-finite value (%g) at index %zu", name, dst[i], i);
            return -1;
        }
    }
    return 0;
}

int rt_st_read(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
               double *dst)
{
    return st_read(f, path, name, shape, rank, dst, 1);
}

int rt_st_read_raw(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
                   double *dst)
{
    return st_read(f, path, name, shape, rank, dst, 0);
}

const char *rt_st_metadata(const rt_st_file *f, const char *key)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(f->header, "__metadata__");
    const cJSON *v = cJSON_IsObject(meta) ? cJSON_GetObjectItemCaseSensitive(meta, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rt_st_has(const rt_st_file *f, const char *name)
{
    return strcmp(name, "__metadata__") != 0 && cJSON_GetObjectItemCaseSensitive(f->header, name) != NULL;
}

void rt_st_close(rt_st_file *f)
{
    cJSON_Delete(f->header);
    free(f->bytes);
    memset(f, 0, sizeof *f);
}
