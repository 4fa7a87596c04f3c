/* tests/fuzz/fuzz_proto: the protobuf envelope (src/proto/processor.proto,
 * protobuf-c) on arbitrary bytes: every message of package processor.v1 is
 * unpacked from the same input and freed. A message that decodes must pass
 * protobuf_c_message_check, have a valid oneof case and non-NULL map entries,
 * and re-encode canonically: pack(unpack(pack(m))) == pack(m). */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "processor.pb-c.h"

/* Does m, or a message inside it, hold an unknown field numbered 0? Field 0
 * does not exist, yet protobuf-c 1.4.1 accepts it when the tag is written
 * in two bytes (0x80 0x00) and keeps it as an unknown field; packing writes
 * it back in one byte (0x00), which its own decoder refuses. Found by this
 * target (tests/fuzz/regress/proto/field0-overlong-tag.bin); nothing of
 * dagwood re-encodes a message it received, so it is tolerated here. */
static bool has_field0(const ProtobufCMessage *m) {
  if (!m) return false;
  for (unsigned i = 0; i < m->n_unknown_fields; i++)
    if (m->unknown_fields[i].tag == 0) return true;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
    const char *base = (const char *)m;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(base + f->quantifier_offset);
      ProtobufCMessage *const *a = *(ProtobufCMessage *const *const *)(base + f->offset);
      for (size_t k = 0; k < n; k++)
        if (has_field0(a[k])) return true;
    } else {
      if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
          *(const uint32_t *)(base + f->quantifier_offset) != f->id)
        continue;
      if (has_field0(*(ProtobufCMessage *const *)(base + f->offset))) return true;
    }
  }
  return false;
}

/* Pack m, unpack that, pack again: both encodings must be the same bytes. */
static void check_roundtrip(const ProtobufCMessage *m) {
  FUZZ_CHECK(protobuf_c_message_check(m), "%s does not check", m->descriptor->name);
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *a = malloc(n ? n : 1);
  FUZZ_CHECK(a != NULL, "out of memory");
  FUZZ_CHECK(protobuf_c_message_pack(m, a) == n, "%s: packed size", m->descriptor->name);
  ProtobufCMessage *m2 = protobuf_c_message_unpack(m->descriptor, NULL, n, a);
  if (!m2 && has_field0(m)) {
    free(a);
    return;
  }
  FUZZ_CHECK(m2 != NULL, "%s: its own encoding does not decode", m->descriptor->name);
  size_t n2 = protobuf_c_message_get_packed_size(m2);
  uint8_t *b = malloc(n2 ? n2 : 1);
  FUZZ_CHECK(b != NULL, "out of memory");
  FUZZ_CHECK(protobuf_c_message_pack(m2, b) == n2, "%s: packed size", m->descriptor->name);
  FUZZ_CHECK(n == n2 && memcmp(a, b, n) == 0, "%s: re-encoding differs", m->descriptor->name);
  protobuf_c_message_free_unpacked(m2, NULL);
  free(a);
  free(b);
}

static void check_metadata(const Processor__V1__PipelineMetadata *pm) {
  if (!pm) return;
  for (size_t i = 0; i < pm->n_metadata; i++) {
    const Processor__V1__PipelineMetadata__MetadataEntry *e = pm->metadata[i];
    FUZZ_CHECK(e && e->key, "pipeline metadata entry %zu", i);
    if (!e->value) continue; /* a map entry without a value: the default */
    for (size_t k = 0; k < e->value->n_metadata; k++) {
      const Processor__V1__ProcessorMetadata__MetadataEntry *kv = e->value->metadata[k];
      FUZZ_CHECK(kv && kv->key && kv->value, "metadata entry %zu of '%s'", k, e->key);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* the three messages that cross process boundaries, by their typed API */
  Processor__V1__ProcessorRequest *rq = processor__v1__processor_request__unpack(NULL, size, data);
  if (rq) {
    FUZZ_CHECK(rq->payload.len == 0 || rq->payload.data, "payload");
    check_roundtrip(&rq->base);
    processor__v1__processor_request__free_unpacked(rq, NULL);
  }
  Processor__V1__ProcessorResponse *rs =
      processor__v1__processor_response__unpack(NULL, size, data);
  if (rs) {
    switch (rs->outcome_case) {
      case PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME__NOT_SET:
        break;
      case PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME_NEXT_PAYLOAD:
        FUZZ_CHECK(rs->next_payload.len == 0 || rs->next_payload.data, "next_payload");
        break;
      case PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME_ERROR:
        FUZZ_CHECK(rs->error && rs->error->message, "error detail");
        break;
      default:
        FUZZ_CHECK(false, "outcome case %d", (int)rs->outcome_case);
    }
    check_metadata(rs->metadata);
    check_roundtrip(&rs->base);
    processor__v1__processor_response__free_unpacked(rs, NULL);
  }
  Processor__V1__RunReport *rr = processor__v1__run_report__unpack(NULL, size, data);
  if (rr) {
    FUZZ_CHECK(rr->config && rr->strategy && rr->status, "report strings");
    for (size_t i = 0; i < rr->n_processors; i++)
      FUZZ_CHECK(rr->processors[i] && rr->processors[i]->id, "processor report %zu", i);
    check_metadata(rr->metadata);
    check_roundtrip(&rr->base);
    processor__v1__run_report__free_unpacked(rr, NULL);
  }
  /* the others, generically */
  static const ProtobufCMessageDescriptor *const others[] = {
      &processor__v1__error_detail__descriptor, &processor__v1__processor_metadata__descriptor,
      &processor__v1__pipeline_metadata__descriptor, &processor__v1__processor_report__descriptor};
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    ProtobufCMessage *m = protobuf_c_message_unpack(others[i], NULL, size, data);
    if (!m) continue;
    check_roundtrip(m);
    protobuf_c_message_free_unpacked(m, NULL);
  }
  return 0;
}
