<?php
/*
Test fixture in the shape of ISPConfig 3's config.inc.php. Every credential
below is FAKE and must never appear in demarc's output.
*/

//** Database
$conf['db_type'] = 'mysql';
$conf['db_host'] = 'localhost';
$conf['db_port'] = '3306';
$conf['db_database'] = 'dbispconfig';
$conf['db_user'] = 'ispconfig';
$conf['db_password'] = 'FAKE-ispc-db-password-7f3a';
$conf['db_charset'] = 'utf8';
$conf['db_new_link'] = false;
$conf['db_client_flags'] = 0;

define('DB_TYPE', $conf['db_type']);
define('DB_HOST', $conf['db_host']);
define('DB_DATABASE', $conf['db_database']);
define('DB_USER', $conf['db_user']);
define('DB_PASSWORD', $conf['db_password']);

//** Database settings for the master DB.
$conf['dbmaster_user'] = 'ispcsrv1';
$conf['dbmaster_password'] = 'FAKE-ispc-master-password-91c2';

//** Paths
$conf['ispconfig_log_dir'] = '/var/log/ispconfig';
define('ISPC_ROOT_PATH', realpath(dirname(__FILE__).'/../'));
define('ISPC_LIB_PATH', ISPC_ROOT_PATH.'/lib');

define('ISPC_APP_TITLE', 'ISPConfig');
define('ISPC_APP_VERSION', '3.2.11p1');
define('DEVSYSTEM', 0);
