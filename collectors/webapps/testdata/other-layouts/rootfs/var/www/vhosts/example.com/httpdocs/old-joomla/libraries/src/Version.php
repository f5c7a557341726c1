<?php
/**
 * Minimal stand-in for Joomla's libraries/src/Version.php, written for demarc's tests.
 */
namespace Joomla\CMS;

final class Version
{
    const PRODUCT = 'Joomla!';
    const MAJOR_VERSION = 3;
    const MINOR_VERSION = 10;
    const PATCH_VERSION = 12;
    const EXTRA_VERSION = '';
    const RELEASE = '3.10';
}
