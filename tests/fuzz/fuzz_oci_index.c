/*
 * fuzz_oci_index.c - an OCI image layout's index.json (oci.c): opened,
 * listed, and a tag resolved, as `sign verify oci:DIR:tag` does.  The
 * library reads the index from the layout folder, so the input is written
 * there first (fuzz_tmpfile.h), beside a valid oci-layout file.
 */
#include "fuzz.h"
#include "fuzz_tmpfile.h"

#include "oci.h"

static void fuzz_tmp_cleanup(void)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/index.json", fuzz_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/oci-layout", fuzz_dir);
	unlink(p);
	rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	(void)argc;
	(void)argv;
	fuzz_tmp_init();
	fuzz_tmp_write("oci-layout", layout, sizeof(layout) - 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signp_oci *o = NULL;
	char **tags = NULL;
	char digest[80], mt[256];
	uint64_t sz = 0;
	sign_error err;
	size_t i;

	if (size > (4u << 20))
		return 0; /* the library's bound (OCI_MAX_INDEX) */
	fuzz_tmp_write("index.json", data, size);
	memset(&err, 0, sizeof(err));
	if (signp_oci_open(&o, fuzz_dir, 0, &err) != SIGN_OK) {
		FUZZ_ASSERT(o == NULL && err.message[0] != '\0');
		return 0;
	}
	memset(&err, 0, sizeof(err));
	if (signp_oci_tags(&tags, o, &err) == SIGN_OK && tags != NULL) {
		for (i = 0; tags[i] != NULL; i++) {
			memset(&err, 0, sizeof(err));
			if (signp_oci_resolve(o, tags[i], digest, mt, &sz, &err) == SIGN_OK)
				FUZZ_ASSERT(strlen(digest) < sizeof(digest) && strlen(mt) < sizeof(mt));
			free(tags[i]);
		}
		free(tags);
	}
	memset(&err, 0, sizeof(err));
	(void)signp_oci_resolve(o, "latest", digest, mt, &sz, &err);
	signp_oci_free(o);
	return 0;
}
