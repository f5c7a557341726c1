<?php
/**
 * WordPress Version
 *
 * Minimal stand-in for wp-includes/version.php, written for demarc's tests
 * in the shape of the real file (the doc comment mentions $wp_version too).
 *
 * @global string $wp_version
 */
$wp_version = '6.6.2';

/**
 * Holds the WordPress DB revision.
 *
 * @global int $wp_db_version
 */
$wp_db_version = 57155;

$tinymce_version = '49110-20201110';

$required_php_version = '7.2.24';

$required_mysql_version = '5.5.5';

$wp_local_package = 'de_DE';
