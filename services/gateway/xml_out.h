/*
 * xml_out.h - writing XML for the gateway's answers: an escaper for text
 * and attribute values, and a renderer of a jansson value as XML, so that
 * every Open311 answer is built once (as JSON) and written either way.
 *
 * Rendering rules: an object's members become child elements in order; an
 * array becomes one element per item, named by item_name(the array's
 * name) ("services" -> "service"); null is an empty element; true/false,
 * integers and reals are written as text. Member names are ours (never a
 * client's), so they are taken as element names as they are.
 */
#ifndef GATEWAY_XML_OUT_H
#define GATEWAY_XML_OUT_H

#include <jansson.h>
#include <stdio.h>

/* Writes s escaped for element text and attribute values (&, <, >, ", ').
 * Characters XML 1.0 cannot carry at all (controls other than tab, LF and
 * CR, and invalid UTF-8) are replaced by U+FFFD, so the document always
 * parses. Returns 0 or -EIO. */
int xml_escape(FILE *out, const char *s, size_t len);

/* The element name for each item of an array called `container`. */
typedef const char *(*xml_item_name_fn)(const char *container);

/* Writes '<?xml version="1.0" encoding="utf-8"?>' and `v` as the element
 * `root` into a malloc'd string. Returns 0 or -ENOMEM. */
int xml_render(const json_t *v, const char *root, xml_item_name_fn item_name, char **out,
               size_t *len);

#endif
