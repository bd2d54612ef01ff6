/*
 * yaml2json [FILE] - print the documents of a YAML stream (FILE, or standard
 * input) as one JSON array, one element per document, for jq.  Used by
 * tests/cli/test_deploy.sh to read the Kubernetes manifests of
 * deploy/kubernetes/.
 *
 * Plain scalars are typed as Kubernetes reads them (the YAML 1.2 core
 * schema): null, booleans, integers and floats; quoted and block scalars
 * stay strings (write "1" for the string 1).  Mapping keys must be scalars
 * and may not repeat.  An empty document (a lone `---`) is skipped, as
 * kubectl skips it.  A document that does not parse is an error naming its
 * line and column, exit status 1; usage errors exit 2.
 *
 * Bounds: the input at most 4 MiB, nesting (aliases included) at most 64,
 * at most a million nodes once aliases are expanded.
 */
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_INPUT (4u << 20)
#define MAX_DEPTH 64
#define MAX_NODES 1000000 /* converted, aliases expanded: no billion laughs */

static const char *origin = "-";
static unsigned long nodes;

static int failed;

/* The first error only: the ones it causes up the tree say nothing more. */
static void fail(const char *what, const char *detail, unsigned long line, unsigned long col)
{
	if (failed++)
		return;
	fprintf(stderr, "yaml2json: %s: %s", origin, what);
	if (detail != NULL)
		fprintf(stderr, " \"%s\" given twice", detail);
	if (line > 0)
		fprintf(stderr, " (line %lu column %lu)", line, col);
	fputc('\n', stderr);
}

static int matches(const char *pattern, const char *s)
{
	regex_t re;
	int r;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	r = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return r;
}

/* A plain scalar under the YAML 1.2 core schema. */
static json_t *plain_scalar(const char *s, size_t len)
{
	/* every typed form starts with one of these: the rest are strings,
	 * without a regular expression per scalar */
	if (len > 0 && strchr("~nNtTfF+-.0123456789", s[0]) == NULL)
		return json_stringn(s, len);
	if (len == 0 || strcmp(s, "~") == 0 || matches("^(null|Null|NULL)$", s))
		return json_null();
	if (matches("^(true|True|TRUE)$", s))
		return json_true();
	if (matches("^(false|False|FALSE)$", s))
		return json_false();
	if (matches("^[-+]?[0-9]+$", s)) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
	}
	if (matches("^0x[0-9a-fA-F]+$", s) || matches("^0o[0-7]+$", s)) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(s + 2, &end, s[1] == 'x' ? 16 : 8);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
	}
	if (matches("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", s))
		return json_real(strtod(s, NULL));
	return json_stringn(s, len);
}

static json_t *convert(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	json_t *out = NULL;
	if (node == NULL) {
		fail("a node refers to nothing", NULL, 0, 0);
		return NULL;
	}
	if (depth > MAX_DEPTH || ++nodes > MAX_NODES) {
		fail(depth > MAX_DEPTH ? "nested too deep" : "too many nodes", NULL,
			node->start_mark.line + 1, node->start_mark.column + 1);
		return NULL;
	}
	switch (node->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)node->data.scalar.value;
		size_t len = node->data.scalar.length;
		if (strlen(s) != len) {
			fail("a scalar holds a NUL byte", NULL, node->start_mark.line + 1,
				node->start_mark.column + 1);
			return NULL;
		}
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			out = plain_scalar(s, len);
		else
			out = json_stringn(s, len);
		break;
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;
		out = json_array();
		for (it = node->data.sequence.items.start; out && it < node->data.sequence.items.top; it++) {
			json_t *v = convert(doc, yaml_document_get_node(doc, *it), depth + 1);
			if (v == NULL || json_array_append_new(out, v) != 0) {
				json_decref(out);
				out = NULL;
			}
		}
		break;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;
		out = json_object();
		for (p = node->data.mapping.pairs.start; out && p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *v;
			const char *key;
			if (k == NULL || k->type != YAML_SCALAR_NODE ||
			    strlen((const char *)k->data.scalar.value) != k->data.scalar.length) {
				fail("a mapping key is not a string", NULL, node->start_mark.line + 1,
					node->start_mark.column + 1);
				json_decref(out);
				return NULL;
			}
			key = (const char *)k->data.scalar.value;
			if (json_object_get(out, key) != NULL) {
				fail("key", key, k->start_mark.line + 1,
					k->start_mark.column + 1);
				json_decref(out);
				return NULL;
			}
			v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
			if (v == NULL || json_object_set_new(out, key, v) != 0) {
				json_decref(out);
				out = NULL;
			}
		}
		break;
	}
	default:
		fail("an empty node", NULL, node->start_mark.line + 1, node->start_mark.column + 1);
		return NULL;
	}
	if (out == NULL)
		fail("could not convert a node", NULL, node->start_mark.line + 1,
			node->start_mark.column + 1);
	return out;
}

static int is_empty_document(yaml_node_t *root)
{
	return root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0 &&
	       root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

int main(int argc, char **argv)
{
	FILE *f = stdin;
	unsigned char *data;
	size_t len;
	yaml_parser_t parser;
	json_t *docs;
	int rc = 0;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: yaml2json [FILE]\n");
		return 2;
	}
	if (argc == 2 && strcmp(argv[1], "-") != 0) {
		origin = argv[1];
		if ((f = fopen(argv[1], "rb")) == NULL) {
			fprintf(stderr, "yaml2json: %s: %s\n", argv[1], strerror(errno));
			return 2;
		}
	}
	if ((data = malloc(MAX_INPUT + 1)) == NULL) {
		fprintf(stderr, "yaml2json: out of memory\n");
		return 2;
	}
	len = fread(data, 1, MAX_INPUT + 1, f);
	if (ferror(f) || len > MAX_INPUT) {
		fail(ferror(f) ? "read error" : "larger than 4 MiB", NULL, 0, 0);
		free(data);
		return 1;
	}
	if (f != stdin)
		fclose(f);

	docs = json_array();
	if (docs == NULL || !yaml_parser_initialize(&parser)) {
		fprintf(stderr, "yaml2json: out of memory\n");
		free(data);
		return 2;
	}
	yaml_parser_set_input_string(&parser, data, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;
		json_t *v;
		if (!yaml_parser_load(&parser, &doc)) {
			fail(parser.problem ? parser.problem : "does not parse", NULL,
				parser.problem_mark.line + 1, parser.problem_mark.column + 1);
			rc = 1;
			break;
		}
		if ((root = yaml_document_get_root_node(&doc)) == NULL) {
			yaml_document_delete(&doc); /* the end of the stream */
			break;
		}
		if (is_empty_document(root)) {
			yaml_document_delete(&doc);
			continue;
		}
		v = convert(&doc, root, 0);
		yaml_document_delete(&doc);
		if (v == NULL || json_array_append_new(docs, v) != 0) {
			rc = 1;
			break;
		}
	}
	yaml_parser_delete(&parser);
	free(data);
	if (rc == 0 && json_dumpf(docs, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0)
		rc = 1;
	if (rc == 0 && (putchar('\n') == EOF || fflush(stdout) != 0))
		rc = 1;
	json_decref(docs);
	return rc;
}
