/**
 * Rebuilds a project's maintainers ask for: a failed release tried again once its cause
 * was fixed outside the recipe, authenticated like an upload and limited per project.
 */
package dev.wheelfarm.rebuilds;
